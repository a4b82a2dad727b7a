/**
 * `make dev`: the whole system on this machine — local AWS, the fake CRM, every service, the
 * demo tenants — until Ctrl-C, which stops everything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DEMO_PASSWORD, DEMO_USERS, FAKE_CRM_PORT, SERVICE_PORTS } from './demo-data';
import { portIsFree, startLocalAws } from './local-aws';
import { seedDemo, type SeededDemo } from './seed';

const root = resolve(__dirname, '..');
const children: Array<{ name: string; child: ChildProcess }> = [];
const log = (line: string) => process.stdout.write(`[dev] ${line}\n`);
let stopping = false;
let stopLocalAws: () => Promise<void> = async () => undefined;

/**
 * The workers' drain waits out the long poll in progress (10 s by default); short polls let
 * Ctrl-C finish within a few seconds. The developer's own settings win.
 */
const QUICK_DRAIN = { INTAKE_WAIT_SECONDS: '2', CRM_SYNC_WAIT_SECONDS: '2' };

/** Where a product UI under development usually runs (Vite, then most others): it may call the APIs. */
const LOCAL_FRONTEND_ORIGINS = 'http://localhost:5173,http://localhost:3000';

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
      ...QUICK_DRAIN,
      FRONTEND_ORIGINS: LOCAL_FRONTEND_ORIGINS,
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
  children.push({ name, child });
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

const isRunning = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

/** Exits only once every child has: `make` returns when the ports are free again. */
async function stopAll(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await Promise.all(
    children.map(
      ({ child }) =>
        new Promise<void>((done) => {
          if (!isRunning(child)) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
    ),
  );
  await stopLocalAws();
  log('stopped');
  process.exit(code);
}

function onStopSignal(): void {
  if (!stopping) {
    void stopAll(0);
    return;
  }
  const waiting = children.filter(({ child }) => isRunning(child)).map(({ name }) => name);
  log(`still stopping; waiting for ${waiting.length ? waiting.join(', ') : 'local AWS'}`);
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // `on`, not `once`: Ctrl-C may arrive twice (tsx passes it on again), and a signal nobody
  // listens to any more would end this process while its children still drain.
  process.on('SIGINT', onStopSignal);
  process.on('SIGTERM', onStopSignal);
  // A closed terminal: local AWS is in a process group of its own, which that signal misses.
  process.on('SIGHUP', onStopSignal);
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
  printWelcome(resources.endpoint, demo);
}

function printWelcome(localAwsEndpoint: string, demo: SeededDemo): void {
  const ingestion = `http://localhost:${SERVICE_PORTS.ingestion}`;
  const formUrl = `${ingestion}/v1/ingest/forms/${demo.formKey}`;
  const googleAdsUrl = `${ingestion}/v1/ingest/webhooks/google-ads/${demo.formKey}`;
  log(`seeded tenants demo and acme; users (password ${DEMO_PASSWORD}): ${DEMO_USERS.join(', ')}`);
  log('');
  log('Leadflow is running:');
  for (const [name, port] of Object.entries(SERVICE_PORTS))
    log(`  ${name.padEnd(14)} http://localhost:${port}`);
  log(`  fake CRM       http://localhost:${FAKE_CRM_PORT}`);
  log(`  local AWS      ${localAwsEndpoint}`);
  log('');
  log('A bearer token for any demo user:  npm run --silent token -- admin@demo.test');
  log(
    '  e.g. curl -H "Authorization: Bearer $(npm run --silent token -- manager@demo.test)" http://localhost:3002/v1/leads',
  );
  log('  a user created through the API: npm run --silent token -- <email> --set-password');
  log(`The demo form takes submissions at ${formUrl}`);
  log(
    `  e.g. curl -i -H 'content-type: application/json' -d '{"email":"jane@example.com","firstName":"Jane","consent_privacy":true}' ${formUrl}`,
  );
  if (demo.googleAdsKey) {
    log(`Its Google Ads webhook: ${googleAdsUrl} with google_key ${demo.googleAdsKey}`);
    log(
      `  e.g. curl -i -H 'content-type: application/json' -d '{"lead_id":"demo-lead-1","google_key":"${demo.googleAdsKey}","is_test":true,"user_column_data":[{"column_id":"FULL_NAME","string_value":"Jane Ads"},{"column_id":"EMAIL","string_value":"jane.ads@example.com"}]}' ${googleAdsUrl}`,
    );
  }
  log(`A demo API key for POST ${ingestion}/v1/ingest/leads (header X-Api-Key): ${demo.apiKey}`);
  log(
    'Local state lives in moto’s memory: it is gone when local AWS stops, and the next `make dev` prints a new form key and API key.',
  );
  log('Ctrl-C stops everything.');
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.stack : String(error)}`);
  void stopAll(1);
});
