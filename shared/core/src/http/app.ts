import { AsyncResource } from 'node:async_hooks';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import { ulid } from 'ulid';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import { runWithContext } from '../request-context';
import { principalOf } from './principal';
import { healthRoutes, type ReadinessCheck, type Readiness } from './health';
import { declaredStatuses, type BoundRoute, type Operation } from './operation';
import { problemMiddleware, toAppError } from './problem';
import { createRouter, unmatchedRouteHandler, type RouterOptions } from './router';

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
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : ulid();
    res.setHeader('X-Request-Id', requestId);
    runWithContext({ requestId }, next);
  };
}

const UNLOGGED_PATHS = new Set(['/healthz', '/readyz']);

/** One line per request when it ends, at a level chosen by its status. */
function accessLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    if (UNLOGGED_PATHS.has(req.path)) return next();
    const started = process.hrtime.bigint();
    // Bound, so the line carries this request's id and tenant, not the socket's context.
    res.once(
      'finish',
      AsyncResource.bind(() => {
        const status = res.statusCode;
        const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
        const principal = principalOf(req);
        logger[level](
          {
            method: req.method,
            path: req.path,
            status,
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
            userAgent: req.headers['user-agent'],
            ...(principal
              ? { principal: { kind: principal.kind, subject: principal.subject } }
              : {}),
          },
          `${req.method} ${req.path} ${status}`,
        );
      }),
    );
    next();
  };
}

function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
    },
    strictTransportSecurity: { maxAge: 63072000, includeSubDomains: true, preload: true },
    crossOriginResourcePolicy: { policy: 'same-site' },
    referrerPolicy: { policy: 'no-referrer' },
  });
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

  const { router: health, readiness } = healthRoutes(options.readinessChecks ?? []);
  app.use(requestContext());
  app.use(securityHeaders());
  app.use(accessLog(options.logger));
  app.use(health);
  for (const middleware of options.beforeRoutes ?? []) app.use(middleware);
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
