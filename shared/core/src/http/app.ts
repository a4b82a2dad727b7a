import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { AppError } from '../errors';
import { newId } from '../ids';
import { clip } from '../clip';
import { redactString, type Logger } from '../logger';
import { currentContext, runWithContext } from '../request-context';
import { principalOf } from './principal';
import { inSequence } from './middleware';
import { healthRoutes, type ReadinessCheck, type Readiness } from './health';
import { declaredStatuses, isConditionalGet, type BoundRoute, type Operation } from './operation';
import { problemMiddleware, toAppError } from './problem';
import {
  createRouter,
  optionsResponder,
  unmatchedRouteHandler,
  type RouterOptions,
} from './router';

export interface AppOptions {
  service: string;
  logger: Logger;
  routes: readonly BoundRoute[];
  authenticate: RouterOptions['authenticate'];
  readinessChecks?: ReadinessCheck[];
  bodyLimit?: number | string;
  validateResponses?: boolean;
  /** Proxies in front of the service (the ALB): 1 in AWS, so req.ip is the client's. */
  trustProxy?: number | boolean;
  /** Middleware that must run before routing (CORS of public endpoints). */
  beforeRoutes?: RequestHandler[];
}

export interface ServiceApp {
  app: Express;
  readiness: Readiness;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

function requestContext(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.headers['x-request-id'];
    const requestId =
      typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : newId();
    res.setHeader('X-Request-Id', requestId);
    runWithContext({ requestId }, next);
  };
}

/** The probes: neither logged nor routed past the health router. */
const UNLOGGED_PATHS = new Set(['/healthz', '/readyz']);

/** Long enough for any real client; a header of 16 KB is cut, not logged whole. */
const MAX_LOGGED_USER_AGENT = 512;
const MAX_LOGGED_PATH = 1024;

/** One line per request when it ends, at a level chosen by its status. */
function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (UNLOGGED_PATHS.has(req.path)) return next();
    const started = process.hrtime.bigint();
    // Run in this request's context (the tenant is added to it later), not the socket's:
    // re-entering the context object is cheaper than binding an AsyncResource per request.
    const context = currentContext();
    const line = () => {
      const status = res.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      const principal = principalOf(req);
      // Redacted whole, then cut: a cut could leave part of an address the pattern misses.
      const path = clip(redactString(req.path), MAX_LOGGED_PATH);
      logger[level](
        {
          method: req.method,
          path,
          status,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          userAgent: clip(redactString(req.headers['user-agent'] ?? ''), MAX_LOGGED_USER_AGENT),
          ...(principal ? { principal: { kind: principal.kind, subject: principal.subject } } : {}),
        },
        `${req.method} ${path} ${status}`,
      );
    };
    res.once('finish', () => (context ? runWithContext(context, line) : line()));
    next();
  };
}

/** A response that is never sent, keeping the headers set on it, named as they were set. */
class HeaderRecorder extends ServerResponse {
  readonly recorded: Array<readonly [string, string]> = [];

  override setHeader(name: string, value: number | string | readonly string[]): this {
    this.recorded.push([name, String(value)]);
    return super.setHeader(name, value);
  }
}

/**
 * helmet's headers. They are the same for every response, so helmet runs once, on a response
 * that is never sent, and each request gets the headers it wrote — helmet's dozen small
 * middleware per request were a tenth of a bare route's cost.
 */
function securityHeaders(): RequestHandler {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true, preload: true },
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'no-referrer' },
  });
  const recorder = new HeaderRecorder(new IncomingMessage(new Socket()));
  let ran = false;
  middleware(recorder.req, recorder, () => {
    ran = true;
  });
  if (!ran)
    throw new Error('helmet did not answer synchronously; its headers cannot be precomputed');
  const headers = recorder.recorded;
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/**
 * In tests, no answer of an operation may have a status it does not declare, also one written
 * by the handler itself (a stream, a page): writing it throws, and the request answers 500.
 */
function declaredStatusGuard(): RequestHandler {
  return (_req, res, next) => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => unknown;
    res.writeHead = ((statusCode: number, ...rest: unknown[]) => {
      const operation = res.locals.operation as Operation | undefined;
      const declared = operation && [
        ...declaredStatuses(operation),
        ...(isConditionalGet(operation) ? [304] : []),
      ];
      if (declared && !declared.includes(statusCode) && statusCode !== 500)
        throw new Error(
          `${operation!.operationId} answered ${statusCode}, which its OpenAPI operation does not declare`,
        );
      return writeHead(statusCode, ...rest);
    }) as typeof res.writeHead;
    next();
  };
}

/** In tests, an error status an operation does not declare is itself an error. */
function undeclaredErrorGuard(): express.ErrorRequestHandler {
  return (error, _req, res, next) => {
    const operation = res.locals.operation as Operation | undefined;
    const status = toAppError(error).status;
    if (operation && !declaredStatuses(operation).includes(status)) {
      next(
        new AppError(
          'internal',
          `${operation.operationId} answered ${status}, which its OpenAPI operation does not declare`,
          { cause: error },
        ),
      );
      return;
    }
    next(error);
  };
}

/** An Express 5 app with Leadflow's security, logging, health and error conventions. No listen. */
export function createApp(options: AppOptions): ServiceApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.set('query parser', 'simple');
  // Only the ETags the routes set, which are versions for If-Match; Express's own, on lists and
  // problems too, would look like versions to a client.
  app.set('etag', false);

  const { router: health, readiness } = healthRoutes(options.readinessChecks ?? []);
  // One layer instead of one per middleware: each layer costs the router a match per request.
  app.use(
    inSequence([
      ...(options.validateResponses ? [declaredStatusGuard()] : []),
      requestContext(),
      securityHeaders(),
      accessLog(options.logger),
      (req, res, next) => (UNLOGGED_PATHS.has(req.path) ? health(req, res, next) : next()),
      ...(options.beforeRoutes ?? []),
      optionsResponder(options.routes),
    ]),
  );
  app.use(
    createRouter(options.routes, {
      authenticate: options.authenticate,
      bodyLimit: options.bodyLimit ?? '100kb',
      validateResponses: options.validateResponses ?? false,
    }),
  );
  app.use(unmatchedRouteHandler(options.routes, ['OPTIONS']));
  if (options.validateResponses) app.use(undeclaredErrorGuard());
  app.use(problemMiddleware(options.logger));
  return { app, readiness };
}
