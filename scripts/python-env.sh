#!/usr/bin/env bash
# Installs the pinned Python tools (moto, checkov) into the project's own .venv when missing
# or when scripts/python-requirements.txt changed. Safe to run concurrently and repeatedly.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv"
requirements="$root/scripts/python-requirements.txt"
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

up_to_date() { [ -x "$venv/bin/moto_server" ] && [ -x "$venv/bin/checkov" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; }

up_to_date && exit 0
mkdir -p "$root/.local"
exec 9>"$root/.local/python-env.lock"
flock 9
up_to_date && exit 0
echo "python-env: installing $(grep -v '^#' "$requirements" | tr '\n' ' ')into .venv" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install --disable-pip-version-check --quiet --requirement "$requirements"
echo "$want" >"$stamp"
