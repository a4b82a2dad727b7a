import type { IncomingHttpHeaders } from 'node:http';
import type { FakeCrmKind, FakeCrmState } from './fake-state';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
}

export interface FakeAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One endpoint of one fake CRM. */
export interface FakeRoute {
  crm: FakeCrmKind;
  method: string;
  pattern: RegExp;
  handle(
    request: FakeRequest,
    match: RegExpExecArray,
    token: string,
    state: FakeCrmState,
  ): FakeAnswer;
  /** E-mail addresses the request carries, for the request log. */
  emails?(request: FakeRequest): string[];
  /** Records the request carries (its batch size). */
  records?(request: FakeRequest): number;
}

/** How one CRM says the usual things: who it is, over the limit, broken. */
export interface CrmDialect {
  /** Whose request it is: what records are kept under (empty: answered 401). */
  token(request: FakeRequest, state: FakeCrmState): string;
  unauthorized(): FakeAnswer;
  limited(retryAfterSeconds: number): FakeAnswer;
  failure(status: number): FakeAnswer;
  limitHeaders(
    limit: { max: number; intervalMs: number },
    remaining: number,
    resetMs: number,
  ): Record<string, string>;
}

export const json = (
  status: number,
  body?: unknown,
  headers?: Record<string, string>,
): FakeAnswer => ({
  status,
  ...(body === undefined ? {} : { body }),
  ...(headers ? { headers } : {}),
});

export function bearer(request: FakeRequest): string {
  const header = request.headers.authorization ?? '';
  return /^Bearer (.+)$/i.exec(header)?.[1] ?? '';
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
