import type { Static, TObject, TSchema } from '@sinclair/typebox';
import type { Request, Response } from 'express';
import type { Principal } from '../request-context';
import type { Problem } from './problem';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call an operation. `permission` strings come from the auth library's matrix. */
export type AuthRequirement =
  | { scheme: 'none' }
  | {
      scheme: 'bearer';
      permission: string;
      tenantRequired?: boolean;
      /** The roles that hold the permission, for the OpenAPI document. */
      roles?: readonly string[];
    }
  | { scheme: 'apiKey' };

export interface ResponseSpec {
  description: string;
  schema?: TSchema;
  /** Defaults to application/json. */
  contentType?: string;
  example?: unknown;
  headers?: Record<string, { description: string; schema: TSchema }>;
}

/** Error statuses an operation can answer besides the ones its shape implies. */
export type ErrorStatus =
  400 | 401 | 403 | 404 | 405 | 409 | 410 | 412 | 413 | 415 | 422 | 428 | 429 | 503;

export type BodyContentType = 'application/json' | 'application/x-www-form-urlencoded';

/**
 * The contract of one HTTP operation: the single source of truth for routing, validation,
 * authorisation and the OpenAPI document.
 */
export interface Operation<
  P extends TObject | undefined = TObject | undefined,
  Q extends TObject | undefined = TObject | undefined,
  B extends TSchema | undefined = TSchema | undefined,
> {
  method: HttpMethod;
  /** OpenAPI form, e.g. /v1/leads/{leadId}. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  auth: AuthRequirement;
  params?: P;
  query?: Q;
  body?: B;
  bodyContentTypes?: BodyContentType[];
  bodyExample?: unknown;
  /** Headers the operation reads, documented as parameters. */
  requestHeaders?: Record<
    string,
    { description: string; required?: boolean; schema: TSchema; example?: string }
  >;
  /** Every non-error response, keyed by status. */
  responses: Record<number, ResponseSpec>;
  errors?: ErrorStatus[];
  /** When its errors may also answer as an HTML page (for people, see answerProblemAsPage). */
  errorPages?: { description: string; example: (problem: Problem) => string };
}

type StaticOr<T, Fallback> = [T] extends [TSchema] ? Static<T> : Fallback;

type PartsOf<Op> =
  Op extends Operation<infer P, infer Q, infer B> ? { params: P; query: Q; body: B } : never;

export interface HandlerInput<Op extends Operation> {
  params: StaticOr<PartsOf<Op>['params'], Record<string, never>>;
  query: StaticOr<PartsOf<Op>['query'], Record<string, never>>;
  body: StaticOr<PartsOf<Op>['body'], undefined>;
  principal: Principal | undefined;
  req: Request;
  res: Response;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A handler answers with a Reply, or returns `handled` when it wrote the response itself (streams). */
export type Handler<Op extends Operation> = (input: HandlerInput<Op>) => Promise<Reply | 'handled'>;

/** What the router hands a bound route after validating it against the operation. */
export interface ValidatedInput {
  params: unknown;
  query: unknown;
  body: unknown;
  principal: Principal | undefined;
  req: Request;
  res: Response;
}

export interface BoundRoute {
  operation: Operation;
  invoke: (input: ValidatedInput) => Promise<Reply | 'handled'>;
}

export function defineOperation<
  P extends TObject | undefined = undefined,
  Q extends TObject | undefined = undefined,
  B extends TSchema | undefined = undefined,
>(operation: Operation<P, Q, B>): Operation<P, Q, B> {
  return operation;
}

export function route<Op extends Operation>(operation: Op, handler: Handler<Op>): BoundRoute {
  // The router validated params, query and body against this very operation's schemas.
  return { operation, invoke: (input) => handler(input as HandlerInput<Op>) };
}

/** Every status an operation can answer, as the OpenAPI document lists them. */
export function declaredStatuses(operation: Operation): number[] {
  const statuses = new Set<number>(Object.keys(operation.responses).map(Number));
  if (operation.params || operation.query || operation.body || operation.requestHeaders)
    statuses.add(400);
  if (operation.body) {
    statuses.add(413);
    statuses.add(415);
  }
  if (operation.auth.scheme !== 'none') statuses.add(401);
  if (operation.auth.scheme === 'bearer') statuses.add(403);
  for (const status of operation.errors ?? []) statuses.add(status);
  statuses.add(500);
  // Every operation reads or writes AWS: throttled or out of reach, it answers 503.
  statuses.add(503);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * A GET that answers an ETag of its own also answers 304 to a matching If-None-Match (Express
 * compares them): said on the operation, unless it says so itself.
 */
export function isConditionalGet(operation: Operation): boolean {
  return (
    operation.method === 'get' &&
    !operation.responses[304] &&
    !Object.keys(operation.requestHeaders ?? {}).some((name) => /^if-none-match$/i.test(name)) &&
    Object.values(operation.responses).some((spec) => spec?.headers?.ETag !== undefined)
  );
}

/** /v1/leads/{leadId} → /v1/leads/:leadId */
export function toExpressPath(openApiPath: string): string {
  return openApiPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}
