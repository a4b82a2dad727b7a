import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  asRecord,
  json,
  type CrmDialect,
  type FakeAnswer,
  type FakeRequest,
  type FakeRoute,
} from './fake-http';
import { hubspotDialect, hubspotRoutes } from './fake-hubspot';
import { pipedriveDialect, pipedriveRoutes } from './fake-pipedrive';
import {
  SALESFORCE_TOKEN_PATH,
  salesforceDialect,
  salesforceRoutes,
  salesforceTokenEndpoint,
  seedSalesforceLead,
} from './fake-salesforce';
import {
  FakeCrmState,
  type FakeCrmKind,
  type FakeCrmSettings,
  type RecordedRequest,
  type SlowdownSpec,
  type StormSpec,
} from './fake-state';

export * from './fake-state';

/**
 * A fake CRM for tests, benchmarks and `make dev`: one real HTTP server that answers the
 * HubSpot, Salesforce and Pipedrive API shapes crm-sync uses and records webhook deliveries,
 * with configurable latency, rate limits (per token, with each CRM's headers), 429 and 5xx
 * storms, dropped connections and Salesforce duplicate rules. `/_fake/...` is its admin API.
 */

const webhookDialect: CrmDialect = {
  token: (request) => request.path,
  unauthorized: () => json(401, { error: 'unauthorized' }),
  limited: (retryAfterSeconds) =>
    json(429, { error: 'slow down' }, { 'retry-after': String(retryAfterSeconds) }),
  failure: (status) => json(status, { error: 'the receiver failed' }),
  limitHeaders: () => ({}),
};

const webhookRoutes: FakeRoute[] = [
  {
    crm: 'webhook',
    method: 'POST',
    pattern: /^\/webhook\/.+$/,
    handle: (request, _m, _token, state) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(', ') : (value ?? ''),
        ]),
      );
      state.webhookDeliveries.push({
        path: request.path,
        headers,
        body: request.rawBody,
        receivedAt: Date.now(),
      });
      return json(200, { received: true });
    },
    records: () => 1,
  },
];

const DIALECTS: Record<FakeCrmKind, CrmDialect> = {
  hubspot: hubspotDialect,
  salesforce: salesforceDialect,
  pipedrive: pipedriveDialect,
  webhook: webhookDialect,
};

const ROUTES: FakeRoute[] = [
  ...hubspotRoutes,
  ...salesforceRoutes,
  ...pipedriveRoutes,
  ...webhookRoutes,
];

const MAX_BODY = 10 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: FakeAnswer): void {
  const body = answer.body === undefined ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...(body ? { 'content-type': 'application/json;charset=utf-8' } : {}),
    ...answer.headers,
  });
  res.end(body);
}

export interface FakeCrmOptions {
  port?: number;
  host?: string;
  settings?: Partial<FakeCrmSettings>;
}

export interface FakeCrm {
  baseUrl: string;
  state: FakeCrmState;
  configure(patch: Partial<FakeCrmSettings>): void;
  storm(spec: StormSpec): void;
  /** Holds back the next matching answer(s); the request counts as taken on arrival. */
  slowDown(spec: SlowdownSpec): void;
  /** Ends every storm. */
  calm(): void;
  reset(): void;
  requests(filter?: { crm?: FakeCrmKind; token?: string }): RecordedRequest[];
  maxInWindow(crm: FakeCrmKind, token: string, intervalMs: number): number;
  seedSalesforceLead(token: string, fields: Record<string, unknown>): string;
  close(): Promise<void>;
}

async function admin(state: FakeCrmState, request: FakeRequest): Promise<FakeAnswer> {
  const body = asRecord(request.body);
  const crm = request.query.get('crm') as FakeCrmKind | null;
  const token = request.query.get('token');
  const byToken = <T extends { token: string }>(records: Iterable<T>) =>
    [...records].filter((r) => token === null || r.token === token);
  switch (`${request.method} ${request.path}`) {
    case 'GET /_fake/state':
      return json(200, state.summary());
    case 'POST /_fake/configure':
      state.configure(body as Partial<FakeCrmSettings>);
      return json(200, state.settings);
    case 'POST /_fake/storm':
      if (body.status === undefined) return json(400, { error: 'a storm needs a status' });
      state.storm(body as Partial<StormSpec> as StormSpec);
      return json(202, { storms: state.storms.length });
    case 'POST /_fake/calm':
      state.calm();
      return json(204);
    case 'POST /_fake/reset':
      state.reset();
      return json(204);
    case 'GET /_fake/requests':
      return json(
        200,
        state.requests.filter(
          (r) => (crm === null || r.crm === crm) && (token === null || r.token === token),
        ),
      );
    case 'GET /_fake/records':
      return json(200, {
        hubspotContacts: byToken(state.hubspotContacts.values()),
        salesforceLeads: byToken(state.salesforceLeads.values()),
        pipedrivePersons: byToken(state.pipedrivePersons.values()),
        pipedriveLeads: byToken(state.pipedriveLeads.values()),
        pipedriveNotes: byToken(state.pipedriveNotes.values()),
        webhookDeliveries: state.webhookDeliveries.filter(
          (d) => token === null || d.path === token,
        ),
      });
    case 'POST /_fake/salesforce/leads':
      return json(201, {
        id: seedSalesforceLead(state, String(body.token ?? ''), asRecord(body.fields)),
      });
    default:
      return json(404, { error: `no admin route ${request.method} ${request.path}` });
  }
}

async function handle(
  state: FakeCrmState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://fake-crm');
  const rawBody = await readBody(req);
  let body: unknown;
  try {
    body = rawBody ? (JSON.parse(rawBody) as unknown) : undefined;
  } catch {
    body = undefined;
  }
  const request: FakeRequest = {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.searchParams,
    headers: req.headers,
    rawBody,
    body,
  };
  if (request.path.startsWith('/_fake/')) return send(res, await admin(state, request));
  if (request.method === 'POST' && request.path === SALESFORCE_TOKEN_PATH)
    return send(res, salesforceTokenEndpoint(state, request));
  let route: FakeRoute | undefined;
  let match: RegExpExecArray | null = null;
  for (const candidate of ROUTES) {
    if (candidate.method !== request.method) continue;
    match = candidate.pattern.exec(request.path);
    if (match) {
      route = candidate;
      break;
    }
  }
  if (!route || !match)
    return send(res, json(404, { error: `no route ${request.method} ${request.path}` }));
  const dialect = DIALECTS[route.crm];
  const token = dialect.token(request, state);
  const delayMs = state.settings.latencyMs + state.takeSlowdown(route.crm, request.path);
  if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
  const entry: RecordedRequest = {
    crm: route.crm,
    method: request.method,
    path: request.path,
    token,
    status: 0,
    at: Date.now(),
    storm: false,
    limited: false,
    emails: route.emails?.(request) ?? [],
    records: route.records?.(request) ?? 0,
  };
  state.requests.push(entry);
  const answer = ((): FakeAnswer | 'reset' => {
    if (!token || state.settings.rejectTokens.includes(token)) return dialect.unauthorized();
    // Every request counts against the limit, and every answer reports it, as CRMs do.
    const admitted = state.admit(route.crm, token);
    const headers = admitted.limit
      ? dialect.limitHeaders(admitted.limit, admitted.remaining, admitted.resetMs)
      : {};
    const storm = state.takeStorm(route.crm, request.method, request.path);
    if (storm) {
      entry.storm = true;
      if (storm.status === 'reset') return 'reset';
      const stormy =
        storm.status === 429
          ? dialect.limited(storm.retryAfterSeconds ?? 1)
          : withRetryAfter(dialect.failure(storm.status), storm.retryAfterSeconds);
      return { ...stormy, headers: { ...headers, ...stormy.headers } };
    }
    if (!admitted.allowed) {
      entry.limited = true;
      const limited = dialect.limited(Math.max(1, Math.ceil(admitted.resetMs / 1000)));
      return { ...limited, headers: { ...headers, ...limited.headers } };
    }
    const handled = route.handle(request, match, token, state);
    return { ...handled, headers: { ...headers, ...handled.headers } };
  })();
  if (answer === 'reset') {
    entry.status = -1;
    req.socket.destroy();
    return;
  }
  entry.status = answer.status;
  send(res, answer);
}

/** A failure that tells when to come back, as HubSpot's 423 and 477 do. */
function withRetryAfter(answer: FakeAnswer, seconds: number | undefined): FakeAnswer {
  if (seconds === undefined) return answer;
  return { ...answer, headers: { ...answer.headers, 'retry-after': String(seconds) } };
}

export async function startFakeCrm(options: FakeCrmOptions = {}): Promise<FakeCrm> {
  const state = new FakeCrmState();
  if (options.settings) state.configure(options.settings);
  const server: Server = createServer((req, res) => {
    handle(state, req, res).catch((error: unknown) => {
      if (!res.headersSent)
        send(res, json(500, { error: error instanceof Error ? error.message : 'error' }));
    });
  });
  server.keepAliveTimeout = 65_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    state,
    configure: (patch) => state.configure(patch),
    storm: (spec) => state.storm(spec),
    slowDown: (spec) => state.slowDown(spec),
    calm: () => state.calm(),
    reset: () => state.reset(),
    requests: (filter = {}) =>
      state.requests.filter(
        (r) =>
          (!filter.crm || r.crm === filter.crm) &&
          (filter.token === undefined || r.token === filter.token),
      ),
    maxInWindow: (crm, token, intervalMs) => state.maxInWindow(crm, token, intervalMs),
    seedSalesforceLead: (token, fields) => seedSalesforceLead(state, token, fields),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
