#!/usr/bin/env bash
# Installs the pinned Python tools (moto, checkov) into the project's own .venv when missing
# or when scripts/python-requirements.txt changed. Safe to run concurrently and repeatedly.
# Needs python3 only (no flock or sha256sum, which stock macOS lacks).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
requirements="$root/scripts/python-requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(python3 -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$requirements")

up_to_date() { [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/checkov" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }

up_to_date && exit 0
if [ -z "${LEADFLOW_PYTHON_ENV_LOCKED:-}" ]; then
  # Runs this script again holding an exclusive lock, which ends with the process however it ends.
  mkdir -p "$root/.local"
  export LEADFLOW_PYTHON_ENV_LOCKED=1
  exec python3 -c '
import fcntl, os, sys
lock = open(sys.argv[1], "w")
fcntl.flock(lock, fcntl.LOCK_EX)
os.set_inheritable(lock.fileno(), True)
os.execv(sys.argv[2], sys.argv[2:])
' "$root/.local/python-env.lock" "$0"
fi
echo "python-env: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into .venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --quiet --requirement "$requirements"
echo "$want" >"$stamp"
