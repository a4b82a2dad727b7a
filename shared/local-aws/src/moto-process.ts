import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '../../..');
export const MOTO_VERSION = '5.2.1';
const VENV_PYTHON = join(REPO_ROOT, '.venv/bin/python');
/** moto_server, but with DynamoDB's atomic writes (see the file). */
export const MOTO_LAUNCHER = join(REPO_ROOT, 'shared/local-aws/moto_server.py');

export interface RunningEmulator {
  endpoint: string;
  /** How it runs, for the log: a local process or a container. */
  description: string;
  stop(): Promise<void>;
}

/** Installs the pinned moto into .venv when it is missing (scripts/python-env.sh). */
export function ensurePythonTools(): void {
  const result = spawnSync(join(REPO_ROOT, 'scripts/python-env.sh'), { stdio: 'inherit' });
  if (result.status !== 0)
    throw new Error('scripts/python-env.sh failed: could not install moto into .venv');
  if (!existsSync(VENV_PYTHON))
    throw new Error(`${VENV_PYTHON} is missing after scripts/python-env.sh`);
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function waitUntilAnswering(endpoint: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isAnswering(endpoint)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`local AWS at ${endpoint} did not answer within ${timeoutMs} ms`);
}

/**
 * Only moto answers /moto-api/: its dashboard, a small page of the same size whatever moto holds
 * (data.json, all of its state, takes seconds once a test run has filled it).
 */
export async function isAnswering(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, {
      signal: AbortSignal.timeout(2_000),
    });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** The last lines a process wrote (stdout and stderr), to explain why it exited. */
export function recentOutput(child: ChildProcess, maxLines = 20): () => string {
  let text = '';
  const keep = (chunk: Buffer) => (text = (text + chunk.toString()).slice(-8_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text.trimEnd().split('\n').slice(-maxLines).join('\n') || '(no output)';
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolveStop) => {
    if (child.exitCode !== null) {
      resolveStop();
      return;
    }
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts moto in server mode from the project's .venv on 127.0.0.1:<port>. Quiet, its output is
 * kept rather than shown (it logs every request): when moto exits before it answers (its port
 * taken, say), the error carries its last lines.
 */
export async function startMotoProcess(
  port: number,
  options: {
    quiet?: boolean;
    /**
     * In a process group of its own, so a Ctrl-C of the terminal does not reach it: the caller
     * stops it, after the services that still need it while they drain.
     */
    ownProcessGroup?: boolean;
  } = {},
): Promise<RunningEmulator> {
  ensurePythonTools();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(VENV_PYTHON, [MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: options.quiet === false ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'false' },
    detached: options.ownProcessGroup === true,
  });
  // A caller that dies without stopping it (a closed terminal) takes it along.
  const killOnExit = () => child.kill('SIGTERM');
  if (options.ownProcessGroup) {
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
  }
  const output = recentOutput(child);
  // 'close', not 'exit': by then its output has been read to the end.
  const exited = new Promise<never>((_, reject) =>
    child.once('close', (code, signal) =>
      reject(
        new Error(
          `moto_server exited (${signal ?? `code ${code}`}) before answering on ${endpoint}; its last output:\n${output()}`,
        ),
      ),
    ),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitUntilAnswering(endpoint), exited]);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return {
    endpoint,
    description: `moto ${MOTO_VERSION} as a local process (.venv) on ${endpoint}`,
    stop: () => stopProcess(child),
  };
}
