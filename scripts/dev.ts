/**
 * `make dev`: the whole system on this machine — local AWS, demo data, every service —
 * until Ctrl-C, which stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { startLocalAws } from './local-aws';
import { seedUsers } from './seed';
import { DEMO_USERS, SERVICE_PORTS } from './demo-data';

const root = resolve(__dirname, '..');
const children: ChildProcess[] = [];
const log = (line: string) => process.stdout.write(`[dev] ${line}\n`);

function startService(name: keyof typeof SERVICE_PORTS, env: Record<string, string>): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'services', name, 'src/main.ts')],
    {
      cwd: root,
      env: {
        ...process.env,
        ...env,
        NODE_ENV: 'development',
        PORT: String(SERVICE_PORTS[name]),
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`${prefix}${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); stopping everything`);
    void stopAll(1);
  });
  children.push(child);
  return child;
}

async function waitForHealth(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing answered /healthz on port ${port} within ${timeoutMs} ms`);
}

let stopping = false;
let stopLocalAws: () => Promise<void> = async () => undefined;

async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
    ),
  );
  await stopLocalAws();
  process.exit(code);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  const local = await startLocalAws(log);
  stopLocalAws = local.stop;
  const pool = {
    endpoint: local.resources.endpoint,
    region: local.resources.region,
    userPoolId: local.resources.userPoolId,
    appClientId: local.resources.appClientId,
  };
  await seedUsers(pool);
  log(`seeded users: ${DEMO_USERS.map((u) => u.email).join(', ')}`);
  for (const name of Object.keys(SERVICE_PORTS) as Array<keyof typeof SERVICE_PORTS>)
    startService(name, local.env);
  await Promise.all(Object.values(SERVICE_PORTS).map((port) => waitForHealth(port)));
  log('');
  log('Leadflow is running:');
  for (const [name, port] of Object.entries(SERVICE_PORTS))
    log(`  ${name.padEnd(14)} http://localhost:${port}`);
  log(`  local AWS      ${local.resources.endpoint}`);
  log('');
  log('A bearer token for any demo user:  npm run --silent token -- admin@demo.test');
  log(
    '  e.g. curl -H "Authorization: Bearer $(npm run --silent token -- admin@demo.test)" http://localhost:3004/v1/tenant',
  );
  log('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  void stopAll(1);
});
