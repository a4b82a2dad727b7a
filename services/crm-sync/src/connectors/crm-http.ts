import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { assertSafeUrl, guardedLookup, UnsafeEndpointError } from './endpoint-guard';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface CrmRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (the webhook signs these exact bytes). */
  body?: string;
}

export interface CrmResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
  /** The parsed JSON body, when there is one. */
  body: unknown;
  /** A short, credential-free description of an error body, for status and logs. */
  errorSummary: string | undefined;
}

export interface CrmHttpOptions {
  timeoutMs: number;
  /** https only, public addresses only, checked on every connection. */
  production: boolean;
  userAgent?: string;
}

const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** A network failure, a timeout or an oversized answer: worth another try later. */
export class CrmNetworkError extends Error {
  /** The whole request went out, so the CRM may apply it although no answer came back. */
  readonly mayHaveReachedCrm: boolean;

  constructor(message: string, options: ErrorOptions & { mayHaveReachedCrm?: boolean } = {}) {
    super(message, options);
    this.name = 'CrmNetworkError';
    this.mayHaveReachedCrm = options.mayHaveReachedCrm ?? true;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** HubSpot `{category, message}`, Salesforce `[{errorCode, message}]`, Pipedrive `{error}`. */
export function summariseError(body: unknown): string | undefined {
  const first = Array.isArray(body) ? body[0] : body;
  if (!first || typeof first !== 'object') return undefined;
  const record = first as Record<string, unknown>;
  const code =
    text(record.errorCode) ?? text(record.category) ?? text(record.errorType) ?? text(record.code);
  const message = text(record.message) ?? text(record.error) ?? text(record.error_info);
  const summary = [code, message].filter(Boolean).join(': ');
  return summary ? summary.slice(0, 300) : undefined;
}

function headersOf(response: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function parse(raw: string, contentType: string | undefined): unknown {
  if (!raw || !(contentType ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The one way crm-sync talks to CRMs: Node's http(s) with keep-alive, a budget per request, and
 * in production a DNS lookup that refuses private addresses at connect time (fetch cannot pin
 * the checked address, so a rebinding name could pass a check made before the call).
 */
export class CrmHttp {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly options: CrmHttpOptions) {
    const agentOptions = {
      keepAlive: true,
      maxSockets: 32,
      ...(options.production ? { lookup: guardedLookup } : {}),
    };
    this.httpAgent = new HttpAgent(agentOptions);
    this.httpsAgent = new HttpsAgent(agentOptions);
  }

  async send(request: CrmRequest): Promise<CrmResponse> {
    const url = new URL(request.url);
    if (this.options.production) assertSafeUrl(url);
    else if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UnsafeEndpointError(`CRM endpoints must use http(s) (got ${url.protocol})`);
    const body =
      request.body ?? (request.json === undefined ? undefined : JSON.stringify(request.json));
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.options.userAgent ?? 'Leadflow-CRM-Sync/1.0',
      ...(body === undefined
        ? {}
        : {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(body)),
          }),
      ...request.headers,
    };
    const https = url.protocol === 'https:';
    return new Promise<CrmResponse>((resolve, reject) => {
      let sent = false;
      const req = (https ? httpsRequest : httpRequest)(
        url,
        {
          method: request.method,
          headers,
          agent: https ? this.httpsAgent : this.httpAgent,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              response.destroy(new CrmNetworkError('the CRM answer is too large'));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error) => reject(this.networkError(error, url, true)));
          response.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            const parsed = parse(raw, response.headers['content-type']);
            const status = response.statusCode ?? 0;
            resolve({
              status,
              headers: headersOf(response),
              text: raw,
              body: parsed,
              errorSummary: status >= 300 ? summariseError(parsed) : undefined,
            });
          });
        },
      );
      // Handed whole to the OS: from then on a lost answer does not mean a lost request.
      req.on('finish', () => (sent = true));
      req.on('error', (error) => reject(this.networkError(error, url, sent)));
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Names the host, never the path or query (Pipedrive's token rides in the query). */
  private networkError(error: Error, url: URL, sent: boolean): Error {
    if (error instanceof UnsafeEndpointError || error instanceof CrmNetworkError) return error;
    if ((error as NodeJS.ErrnoException).code === 'EUNSAFEENDPOINT')
      return new UnsafeEndpointError(error.message);
    const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
    const reason = timedOut
      ? `no answer within ${this.options.timeoutMs} ms`
      : ((error as NodeJS.ErrnoException).code ?? error.name);
    return new CrmNetworkError(`${url.host}: ${reason}`, {
      cause: error,
      mayHaveReachedCrm: sent,
    });
  }
}
