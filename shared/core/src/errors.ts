/**
 * One error type for the whole system. A stable `code` decides the HTTP status through
 * STATUS_BY_CODE, so a new code cannot silently become a 500.
 */
export type ErrorCode =
  | 'bad_request'
  | 'validation_failed'
  | 'malformed_body'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'gone'
  | 'precondition_failed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'idempotency_key_reused'
  | 'precondition_required'
  | 'rate_limited'
  | 'internal'
  | 'dependency_unavailable';

export const STATUS_BY_CODE = {
  bad_request: 400,
  validation_failed: 400,
  malformed_body: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  gone: 410,
  precondition_failed: 412,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  precondition_required: 428,
  rate_limited: 429,
  internal: 500,
  dependency_unavailable: 503,
} as const satisfies Record<ErrorCode, number>;

export const TITLE_BY_CODE = {
  bad_request: 'Bad request',
  validation_failed: 'Validation failed',
  malformed_body: 'Malformed request body',
  unauthenticated: 'Authentication required',
  forbidden: 'Forbidden',
  not_found: 'Not found',
  method_not_allowed: 'Method not allowed',
  conflict: 'Conflict',
  gone: 'Gone',
  precondition_failed: 'Precondition failed',
  payload_too_large: 'Payload too large',
  unsupported_media_type: 'Unsupported media type',
  idempotency_key_reused: 'Idempotency key reused with a different request',
  precondition_required: 'Precondition required',
  rate_limited: 'Too many requests',
  internal: 'Internal server error',
  dependency_unavailable: 'Service temporarily unavailable',
} as const satisfies Record<ErrorCode, string>;

export interface FieldError {
  field: string;
  message: string;
}

export interface AppErrorOptions extends ErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** The lead the problem is about, when it is not the one the request names. */
  leadId?: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;
  readonly leadId: string | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
    this.leadId = options.leadId;
  }

  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export const notFound = (what: string): AppError => new AppError('not_found', `${what} not found`);

/** Seconds a client is asked to wait after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/** A 503 that asks the client to send the same request again after Retry-After. */
export function dependencyUnavailable(detail: string, cause?: unknown): AppError {
  return new AppError('dependency_unavailable', detail, {
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    cause,
  });
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
