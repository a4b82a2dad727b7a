/**
 * `make bench ONLY=ingestion`: the public form endpoint of the service's bundle (what the
 * image runs) under load, against a loopback stub that answers its AWS calls at once (so the
 * figure is the service's own cost), beside three
 * references loaded the same way in the same run: a bare node:http server answering 202
 * (Node's limit), a minimal Express 5 app answering 202 (the framework's limit) and Express
 * with JSON parsing and ajv. Each server runs alone on core 0, autocannon and the stub on
 * core 1. The maximum rate is the best of a few rounds (noise only ever lowers it); latency is
 * then measured at a steady half of that rate (paced-load.ts, corrected for coordinated
 * omission), beside Express + JSON + ajv at the same rate (what the machine allows with no
 * pipeline), and for comparison with autocannon's overallRate, which sends in bursts. Last, the
 * AWS SDK alone sends PutEvents calls like the service's on the server's core: its CPU per call
 * says how close to Express the pipeline could get at best while it publishes through the SDK.
 * INGESTION_BENCH_SERVER_NODE runs the servers on another Node, such as the image's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@leadflow/local-aws';
import type { Benchmark, BenchFigures } from '../../../scripts/bench/benchmarks';
import { buildService } from '../../../scripts/build';
import { BENCH_FORM_KEY, BENCH_ORIGIN, BENCH_SUBMISSION } from './fixture';

const ROOT = resolve(__dirname, '../../..');
const AUTOCANNON = join(ROOT, 'node_modules/autocannon/autocannon.js');
const PATH = `/v1/ingest/forms/${BENCH_FORM_KEY}`;
const BODY = JSON.stringify(BENCH_SUBMISSION);

const settings = {
  /** The Node that runs the servers and the SDK baseline: the image's (README) or this one. */
  serverNode: process.env.INGESTION_BENCH_SERVER_NODE || process.execPath,
  warmupSeconds: Number(process.env.INGESTION_BENCH_WARMUP_SECONDS ?? 8),
  durationSeconds: Number(process.env.INGESTION_BENCH_SECONDS ?? 10),
  rounds: Number(process.env.INGESTION_BENCH_ROUNDS ?? 3),
  connections: 50,
};

interface Pinning {
  server: string[];
  stub: string[];
  load: string[];
  pinned: boolean;
}

function pinning(): Pinning {
  const probe = spawnSync('taskset', ['-c', '0', process.execPath, '-e', ''], { stdio: 'ignore' });
  if (probe.status === 0 && cpus().length >= 2)
    return {
      server: ['taskset', '-c', '0'],
      stub: ['taskset', '-c', '1'],
      // Niced, so the stub it shares the core with answers at once instead of after a time slice.
      load: ['nice', '-n', '19', 'taskset', '-c', '1'],
      pinned: true,
    };
  process.stderr.write(
    '   warning: taskset is missing or there are fewer than 2 cores — the servers, the stub and the load generator share the CPU, so every figure is lower and noisier\n',
  );
  return { server: [], stub: [], load: ['nice', '-n', '19'], pinned: false };
}

interface Running {
  name: string;
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

function launch(
  name: string,
  prefix: string[],
  script: string,
  port: number,
  env: Record<string, string>,
): Running {
  // TypeScript through tsx; the service's bundle (.js) as the image runs it.
  const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : ['--enable-source-maps'];
  const [command, ...args] = [...prefix, settings.serverNode, ...loader, script];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  return { name, url: `http://127.0.0.1:${port}`, child, stderr: () => stderr };
}

async function waitUntilReady(server: Running, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null)
      throw new Error(`${server.name} exited (${server.child.exitCode}): ${server.stderr()}`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${server.name} did not answer within 30 s: ${server.stderr()}`);
}

function stop(server: Running): Promise<void> {
  if (server.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
    server.child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}

/** Milliseconds per clock tick of /proc/<pid>/stat. */
const MS_PER_TICK =
  1000 / (Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100);

/**
 * CPU time a process has used (user + system, ms), from /proc; undefined without one. The CPU
 * a server spends per request is steadier than its rate on a shared VM: a stalled load
 * generator or a slower moment lowers the rate, not the work per request.
 */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** What `run` answered, and the CPU time (ms) the server used meanwhile when /proc tells. */
async function withServerCpu<T>(
  server: Running,
  run: () => Promise<T>,
): Promise<{ result: T; cpuMs: number | undefined }> {
  const before = cpuMs(server.child.pid);
  const result = await run();
  const after = cpuMs(server.child.pid);
  return {
    result,
    cpuMs: before === undefined || after === undefined ? undefined : after - before,
  };
}

const perRequestUs = (cpu: number | undefined, requests: number) =>
  cpu === undefined || requests === 0 ? undefined : Math.round((cpu * 1000) / requests);

interface Load {
  perSec: number;
  /** The server's CPU time per 2xx answer (µs), when /proc tells. */
  cpuUsPerRequest?: number;
  accepted: number;
  p50: number;
  p99: number;
  errors: number;
}

interface AutocannonResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
  latency: { p50: number; p99: number };
}

async function load(
  pin: Pinning,
  url: string,
  seconds: number,
  ratePerSec?: number,
): Promise<Load> {
  const args = [
    AUTOCANNON,
    '--json',
    '-c',
    String(settings.connections),
    '-d',
    String(seconds),
    '-m',
    'POST',
    '-H',
    'content-type=application/json',
    '-H',
    `origin=${BENCH_ORIGIN}`,
    '-b',
    BODY,
    ...(ratePerSec ? ['-R', String(ratePerSec)] : []),
    `${url}${PATH}`,
  ];
  const [command, ...rest] = [...pin.load, process.execPath, ...args];
  const child = spawn(command!, rest, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`autocannon failed (${code}): ${out}`);
  const result = JSON.parse(line) as AutocannonResult;
  return {
    perSec: Math.round(result['2xx'] / result.duration),
    accepted: result['2xx'],
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

interface Paced {
  sent: number;
  ok: number;
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Latency at a steady rate (see paced-load.ts for why not autocannon's overallRate). */
async function paced(pin: Pinning, url: string, seconds: number, rate: number): Promise<Paced> {
  const [command, ...args] = [
    ...pin.load,
    process.execPath,
    '--import',
    'tsx',
    join(__dirname, 'paced-load.ts'),
  ];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      URL: `${url}${PATH}`,
      RATE: String(rate),
      SECONDS: String(seconds),
      BODY,
      HEADERS: JSON.stringify({ 'content-type': 'application/json', origin: BENCH_ORIGIN }),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`paced load failed (${code}): ${out}`);
  return JSON.parse(line) as Paced;
}

/** The SDK's CPU per PutEvents of 10 entries like the service's (sdk-baseline.ts), on the server core. */
async function sdkBaseline(pin: Pinning, stubUrl: string): Promise<{ cpuUsPerCall: number }> {
  const [command, ...args] = [
    ...pin.server,
    settings.serverNode,
    '--import',
    'tsx',
    join(__dirname, 'sdk-baseline.ts'),
  ];
  const child = spawn(command!, args, {
    cwd: ROOT,
    env: {
      ...process.env,
      AWS_ENDPOINT_URL: stubUrl,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = out.trim().split('\n').pop() ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`SDK baseline failed (${code}): ${out}`);
  return JSON.parse(line) as { cpuUsPerCall: number };
}

/**
 * What the SDK alone leaves of the target: even with every other part as cheap as Express +
 * JSON + ajv, a lead costs that plus a tenth of a PutEvents call.
 */
function sdkFigures(sdkCpuUsPerCall: number, leastCpu: Map<string, number>): BenchFigures {
  const express = leastCpu.get('express');
  const expressJsonAjv = leastCpu.get('express-json-ajv');
  const figures: BenchFigures = { sdkPutEventsCpuUsPerCall: sdkCpuUsPerCall };
  if (express === undefined || expressJsonAjv === undefined) return figures;
  const floor = Math.round(expressJsonAjv + sdkCpuUsPerCall / 10);
  return { ...figures, cpuFloorUsPerLead: floor, bestCpuRatioToExpress: round(express / floor, 3) };
}

async function answers(url: string, status: number): Promise<boolean> {
  const res = await fetch(`${url}${PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: BENCH_ORIGIN },
    body: BODY,
  });
  await res.arrayBuffer();
  return res.status === status;
}

/** The least CPU per request each server needed in a round, and ingestion's against Express's. */
function cpuFigures(leastCpu: Map<string, number>): BenchFigures {
  const ingestion = leastCpu.get('ingestion');
  const express = leastCpu.get('express');
  if (ingestion === undefined || express === undefined) return {};
  return {
    cpuUsPerLead: ingestion,
    expressCpuUsPerRequest: express,
    expressJsonAjvCpuUsPerRequest: leastCpu.get('express-json-ajv') ?? 0,
    cpuRatioToExpress: round(express / ingestion, 3),
  };
}

interface StubStats {
  putEventsCalls: number;
  entries: number;
}

/** Entries per PutEvents call between two readings of the stub's counters. */
const eventsPerCall = (before: StubStats, after: StubStats) =>
  round(
    (after.entries - before.entries) / Math.max(1, after.putEventsCalls - before.putEventsCalls),
    1,
  );

interface PacedCpu {
  cpuMs: number | undefined;
  requests: number;
}

/**
 * "Half the maximum rate" is not half the work: requests that come one by one cost more CPU
 * each than under full load (for the baseline too), and ingestion's micro-batches get smaller.
 * The CPU per request at that rate and the share of the core it kept busy, for ingestion and
 * Express + JSON + ajv; none without /proc.
 */
function halfRateCpuFigures(ingestion: PacedCpu, floor: PacedCpu): BenchFigures {
  if (ingestion.cpuMs === undefined || floor.cpuMs === undefined) return {};
  const busy = (cpuMs: number) => round(cpuMs / (settings.durationSeconds * 1000));
  const perRequest = ({ cpuMs, requests }: PacedCpu) => perRequestUs(cpuMs, requests) ?? 0;
  return {
    cpuUsPerLeadAtHalfRate: perRequest(ingestion),
    coreBusyAtHalfRate: busy(ingestion.cpuMs),
    expressJsonAjvCpuUsPerRequestAtHalfRate: perRequest(floor),
    expressJsonAjvCoreBusyAtHalfRate: busy(floor.cpuMs),
  };
}

const percent = (share: number | string | undefined) =>
  typeof share === 'number' ? `${Math.round(share * 100)}%` : '?';

/** Progress lines under the runner's heading. */
const say = (line: string) => process.stdout.write(`${line}\n`);

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

export const ingestionBenchmark: Benchmark = {
  name: 'ingestion',
  description:
    'POST /v1/ingest/forms/{formKey}, full pipeline (CORS, rate limits, validation, normalisation, PutEvents to an instant stub) vs node:http, Express 5 and Express+JSON+ajv answering 202; one core each',
  async run(): Promise<BenchFigures> {
    const pin = pinning();
    const running: Running[] = [];
    try {
      const stubPort = await freePort();
      const stub = launch('aws stub', pin.stub, join(__dirname, 'aws-stub.ts'), stubPort, {});
      running.push(stub);
      await waitUntilReady(stub, async () => (await fetch(`${stub.url}/stats`)).ok);

      const baselines = ['node-http', 'express', 'express-json-ajv'] as const;
      const servers = new Map<string, Running>();
      for (const baseline of baselines) {
        const server = launch(
          baseline,
          pin.server,
          join(__dirname, 'baseline-server.ts'),
          await freePort(),
          { BASELINE: baseline },
        );
        servers.set(baseline, server);
      }
      const ingestionEnv = {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        AWS_REGION: 'us-east-1',
        AWS_ENDPOINT_URL: stub.url,
        AWS_ACCESS_KEY_ID: 'bench',
        AWS_SECRET_ACCESS_KEY: 'bench',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TENANTS_TABLE: 'bench-tenants',
        RUNTIME_TABLE: 'bench-runtime',
        EVENT_BUS_NAME: 'bench-leadflow',
        // All load comes from one address to one form: the limiters count and answer their
        // headers on every request, but must not refuse the benchmark itself.
        INGEST_RATE_LIMIT_PER_IP: '1000000000',
        INGEST_RATE_LIMIT_PER_FORM: '1000000000',
      };
      const main = await buildService(
        'ingestion',
        join(mkdtempSync(join(tmpdir(), 'leadflow-bench-')), 'main.js'),
      );
      const ingestion = launch('ingestion', pin.server, main, await freePort(), ingestionEnv);
      servers.set('ingestion', ingestion);
      running.push(...servers.values());
      for (const [name, server] of servers)
        await waitUntilReady(server, () => answers(server.url, 202).catch(() => false)).catch(
          (error: unknown) => {
            throw new Error(`${name}: ${String(error)}`);
          },
        );

      let acceptedByIngestion = 2; // the readiness probes
      for (const [name, server] of servers) {
        say(`   warming up ${name} (${settings.warmupSeconds} s)`);
        const warm = await load(pin, server.url, settings.warmupSeconds);
        if (name.startsWith('ingestion')) acceptedByIngestion += warm.accepted;
      }

      const best = new Map<string, Load>();
      const leastCpu = new Map<string, number>();
      let errors = 0;
      for (let r = 1; r <= settings.rounds; r++) {
        for (const [name, server] of servers) {
          const { result, cpuMs } = await withServerCpu(server, () =>
            load(pin, server.url, settings.durationSeconds),
          );
          result.cpuUsPerRequest = perRequestUs(cpuMs, result.accepted);
          say(
            `   round ${r} ${name.padEnd(17)} ${String(result.perSec).padStart(6)}/s  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${result.errors}  CPU ${result.cpuUsPerRequest ?? '?'} µs/request`,
          );
          if (name.startsWith('ingestion')) {
            acceptedByIngestion += result.accepted;
            errors += result.errors;
          }
          if ((best.get(name)?.perSec ?? -1) < result.perSec) best.set(name, result);
          const cpu = result.cpuUsPerRequest;
          if (cpu !== undefined && cpu < (leastCpu.get(name) ?? Infinity)) leastCpu.set(name, cpu);
        }
      }
      const max = best.get('ingestion')!;
      const halfRate = Math.max(1, Math.floor(max.perSec / 2));
      const stubStats = async () => (await fetch(`${stub.url}/stats`)).json() as Promise<StubStats>;
      const statsBeforeHalf = await stubStats();
      const { result: half, cpuMs: halfCpu } = await withServerCpu(ingestion, () =>
        paced(pin, ingestion.url, settings.durationSeconds, halfRate),
      );
      const halfBatches = eventsPerCall(statsBeforeHalf, await stubStats());
      say(
        `   ingestion at a steady ${halfRate}/s: p50 ${half.p50} ms  p90 ${half.p90} ms  p99 ${half.p99} ms  max ${half.max} ms  errors ${half.failed}`,
      );
      acceptedByIngestion += half.ok;
      errors += half.failed;
      // The same load on Express + JSON + ajv: what this machine and the load generator allow
      // at that rate, with no work of the pipeline's own.
      const floorServer = servers.get('express-json-ajv')!;
      const { result: floor, cpuMs: floorCpu } = await withServerCpu(floorServer, () =>
        paced(pin, floorServer.url, settings.durationSeconds, halfRate),
      );
      say(
        `   express-json-ajv at the same ${halfRate}/s: p50 ${floor.p50} ms  p90 ${floor.p90} ms  p99 ${floor.p99} ms  max ${floor.max} ms`,
      );
      const halfLoad = halfRateCpuFigures(
        { cpuMs: halfCpu, requests: half.ok },
        { cpuMs: floorCpu, requests: floor.ok },
      );
      say(
        `   CPU at that rate: ingestion ${halfLoad.cpuUsPerLeadAtHalfRate ?? '?'} µs per lead (core ${percent(halfLoad.coreBusyAtHalfRate)} busy, ${halfBatches} events per PutEvents), Express + JSON + ajv ${halfLoad.expressJsonAjvCpuUsPerRequestAtHalfRate ?? '?'} µs per request (core ${percent(halfLoad.expressJsonAjvCoreBusyAtHalfRate)} busy)`,
      );
      const bursty = await load(pin, ingestion.url, settings.durationSeconds, halfRate);
      say(
        `   ingestion at ${halfRate}/s by autocannon -R (a burst per second): p50 ${bursty.p50} ms  p99 ${bursty.p99} ms  errors ${bursty.errors}`,
      );
      acceptedByIngestion += bursty.accepted;
      errors += bursty.errors;

      // Give the last micro-batches their linger, then check every 202 was one published event.
      await new Promise((r) => setTimeout(r, 500));
      const stats = await stubStats();

      const sdk = await sdkBaseline(pin, stub.url);
      const sdkFloor = sdkFigures(sdk.cpuUsPerCall, leastCpu);
      say(
        `   AWS SDK alone: ${sdk.cpuUsPerCall} µs of CPU per PutEvents of 10 such entries; with it, a lead needs at least ${sdkFloor.cpuFloorUsPerLead ?? '?'} µs (Express + JSON + ajv + a tenth of a call): at best ${sdkFloor.bestCpuRatioToExpress ?? '?'} × Express`,
      );

      // More entries than 202s is expected: autocannon stops with requests in flight whose
      // events were already published. Fewer would be a lost lead.
      if (stats.entries < acceptedByIngestion)
        throw new Error(
          `${acceptedByIngestion} leads answered 202 but only ${stats.entries} events were published`,
        );

      const perSec = (name: string) => best.get(name)!.perSec;
      return {
        leadsPerSec: max.perSec,
        nodeHttpPerSec: perSec('node-http'),
        expressPerSec: perSec('express'),
        expressJsonAjvPerSec: perSec('express-json-ajv'),
        ratioToExpress: round(max.perSec / perSec('express'), 3),
        ratioToNodeHttp: round(max.perSec / perSec('node-http'), 3),
        ratioToExpressJsonAjv: round(max.perSec / perSec('express-json-ajv'), 3),
        p50Ms: max.p50,
        p99Ms: max.p99,
        ...cpuFigures(leastCpu),
        ...sdkFloor,
        halfRatePerSec: halfRate,
        p50AtHalfRateMs: half.p50,
        p99AtHalfRateMs: half.p99,
        maxAtHalfRateMs: half.max,
        expressJsonAjvP50AtHalfRateMs: floor.p50,
        expressJsonAjvP99AtHalfRateMs: floor.p99,
        p99RatioToExpressJsonAjvAtHalfRate: round(half.p99 / Math.max(floor.p99, 0.01)),
        ...halfLoad,
        eventsPerPutEventsAtHalfRate: halfBatches,
        autocannonP50AtHalfRateMs: bursty.p50,
        autocannonP99AtHalfRateMs: bursty.p99,
        errors,
        acceptedTotal: acceptedByIngestion,
        publishedEntries: stats.entries,
        eventsPerPutEvents: eventsPerCall({ putEventsCalls: 0, entries: 0 }, stats),
        pinnedToCores: pin.pinned ? 'yes' : 'no',
        serverNodeVersion: spawnSync(settings.serverNode, ['--version'], {
          encoding: 'utf8',
        }).stdout.trim(),
        connections: settings.connections,
        secondsPerRun: settings.durationSeconds,
        rounds: settings.rounds,
      };
    } finally {
      await Promise.all(running.map(stop));
    }
  },
};
