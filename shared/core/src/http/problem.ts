import { Type } from '@sinclair/typebox';
import type { ErrorRequestHandler, Response } from 'express';
import { isTransientFailure } from '../aws/transient';
import {
  AppError,
  dependencyUnavailable,
  STATUS_BY_CODE,
  TITLE_BY_CODE,
  type ErrorCode,
  type FieldError,
} from '../errors';
import type { Logger } from '../logger';
import { currentContext } from '../request-context';

export const PROBLEM_TYPE_BASE = 'https://leadflow.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemType = (code: ErrorCode) => `${PROBLEM_TYPE_BASE}${code.replace(/_/g, '-')}`;

/** Every kind of problem an API answers, for clients that branch on `type`. */
const PROBLEM_TYPES = (Object.keys(STATUS_BY_CODE) as ErrorCode[])
  .map((code) => `\`${code.replace(/_/g, '-')}\` (${STATUS_BY_CODE[code]})`)
  .join(', ');

export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      format: 'uri',
      description: `Identifies the kind of problem; stable across releases. \`${PROBLEM_TYPE_BASE}\` followed by one of: ${PROBLEM_TYPES}.`,
    }),
    title: Type.String({ description: 'Short summary of the kind of problem.' }),
    status: Type.Integer({ description: 'The HTTP status code.' }),
    detail: Type.String({ description: 'What went wrong with this request.' }),
    instance: Type.Optional(Type.String({ description: 'The request id, for support.' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object(
          { field: Type.String(), message: Type.String() },
          { additionalProperties: false },
        ),
        { description: 'Field-level validation errors, one per field, at most 50.' },
      ),
    ),
    leadId: Type.Optional(
      Type.String({
        description:
          'The lead the problem is about, when the request names another (a 409 for an e-mail another lead has names that lead to callers who may read every lead).',
      }),
    ),
  },
  { additionalProperties: false, description: 'An RFC 9457 problem document.' },
);

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
  leadId?: string;
}

export function problemFor(
  code: ErrorCode,
  detail: string,
  errors?: FieldError[],
  leadId?: string,
): Problem {
  const problem: Problem = {
    type: problemType(code),
    title: TITLE_BY_CODE[code],
    status: STATUS_BY_CODE[code],
    detail,
  };
  const requestId = currentContext()?.requestId;
  if (requestId) problem.instance = `urn:request:${requestId}`;
  if (errors && errors.length > 0) problem.errors = errors;
  if (leadId) problem.leadId = leadId;
  return problem;
}

/** A problem as an HTML page, for a person whose browser made the request; `res` has its headers. */
export type ProblemPage = (problem: Problem, res: Response) => string;

const PROBLEM_PAGE = 'problemPage';

/** From here on, this request's problem, if it has one, answers as `page` renders it. */
export function answerProblemAsPage(res: Response, page: ProblemPage): void {
  res.locals[PROBLEM_PAGE] = page;
}

export function sendProblem(res: Response, error: AppError): void {
  if (error.headers) res.set(error.headers);
  const problem = problemFor(error.code, error.message, error.errors, error.leadId);
  const page = res.locals[PROBLEM_PAGE] as ProblemPage | undefined;
  res.status(error.status);
  if (page) res.type('html').send(page(problem, res));
  else res.type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  limit?: number;
}

/** Errors from express's body parsers, which describe themselves with a `type`. */
function fromBodyParser(error: BodyParserError): AppError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return new AppError(
        'payload_too_large',
        `The request body exceeds the limit of ${error.limit ?? 'the'} bytes`,
      );
    case 'entity.parse.failed':
      return new AppError('malformed_body', 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(
        'unsupported_media_type',
        'The request body encoding or charset is not supported',
      );
    case 'request.aborted':
      return new AppError('bad_request', 'The request was aborted');
    case 'parameters.too.many':
      return new AppError('payload_too_large', 'The request body has too many parameters');
    default:
      return undefined;
  }
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error && typeof error === 'object') {
    const parsed = fromBodyParser(error as BodyParserError);
    if (parsed) return parsed;
    // Anything else Express or a parser rejects as the client's fault, e.g. a path whose
    // percent-encoding does not decode: a 400, never a 500 that pages someone.
    const { status } = error as BodyParserError;
    if (status !== undefined && status >= 400 && status < 500)
      return new AppError(
        'bad_request',
        error instanceof URIError ? 'The request URL is malformed' : 'The request is malformed',
        { cause: error },
      );
  }
  // DESIGN §5: AWS throttling, faulting or out of reach is a 503 the client can retry after.
  if (isTransientFailure(error))
    return dependencyUnavailable('A service this request needs is unavailable right now', error);
  return new AppError('internal', 'An unexpected error occurred', { cause: error });
}

export function problemMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const appError = toAppError(error);
    if (appError.status >= 500) logger.error({ err: error }, 'request failed');
    sendProblem(res, appError);
  };
}
