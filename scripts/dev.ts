/**
 * `make dev`: the whole system on this machine — local AWS, the fake CRM, every service, the
 * demo tenants — until Ctrl-C, which stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DEMO_PASSWORD, DEMO_USERS, FAKE_CRM_PORT, SERVICE_PORTS } from './demo-data';
import { startLocalAws } from './local-aws';
import { seedDemo } from './seed';

const root = resolve(__dirname, '..');
const children: ChildProcess[] = [];
const log = (line: string) => process.stdout.write(`[dev] ${line}\n`);
let stopping = false;
let stopLocalAws: () => Promise<void> = async () => undefined;

/** Runs a TypeScript entry point with its output prefixed by its name. */
function startProcess(
  name: string,
  entry: string,
  port: number,
  env: Record<string, string>,
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      NODE_ENV: 'development',
      PORT: String(port),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
    });
  }
  child.on('exit', (code, signal) => {
    if (!stopping) log(`${name} exited (${signal ?? code}); stopping everything`);
    void stopAll(1);
  });
  children.push(child);
  return child;
}

async function waitForHealth(port: number, path = '/healthz', timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}${path}`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing answered ${path} on port ${port} within ${timeoutMs} ms`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort(true)));
  });
}

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
  for (const port of [...Object.values(SERVICE_PORTS), FAKE_CRM_PORT]) {
    if (!(await portIsFree(port)))
      throw new Error(`port ${port} is taken — is \`make dev\` already running?`);
  }
  const local = await startLocalAws(log);
  stopLocalAws = local.stop;
  startProcess('fake-crm', 'services/crm-sync/fake-crm/main.ts', FAKE_CRM_PORT, {});
  for (const [name, port] of Object.entries(SERVICE_PORTS))
    startProcess(name, `services/${name}/src/main.ts`, port, local.env);
  await Promise.all([
    ...Object.values(SERVICE_PORTS).map((port) => waitForHealth(port)),
    waitForHealth(FAKE_CRM_PORT, '/_fake/state'),
  ]);
  const { resources } = local;
  const demo = await seedDemo({
    endpoint: resources.endpoint,
    region: resources.region,
    userPoolId: resources.userPoolId,
    appClientId: resources.appClientId,
  });
  const ingest = `http://localhost:${SERVICE_PORTS.ingestion}/v1/ingest/forms/${demo.formKey}`;
  log(`seeded tenants demo and acme; users (password ${DEMO_PASSWORD}): ${DEMO_USERS.join(', ')}`);
  log('');
  log('Leadflow is running:');
  for (const [name, port] of Object.entries(SERVICE_PORTS))
    log(`  ${name.padEnd(14)} http://localhost:${port}`);
  log(`  fake CRM       http://localhost:${FAKE_CRM_PORT}`);
  log(`  local AWS      ${resources.endpoint}`);
  log('');
  log('A bearer token for any demo user:  npm run --silent token -- admin@demo.test');
  log(
    '  e.g. curl -H "Authorization: Bearer $(npm run --silent token -- manager@demo.test)" http://localhost:3002/v1/leads',
  );
  log(`The demo form takes submissions at ${ingest}`);
  log(
    `  e.g. curl -i -H 'content-type: application/json' -d '{"email":"jane@example.com","firstName":"Jane","consent_privacy":true}' ${ingest}`,
  );
  if (demo.apiKey)
    log(`A demo API key for POST /v1/ingest/leads (header X-Api-Key), shown once: ${demo.apiKey}`);
  log('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  void stopAll(1);
});
