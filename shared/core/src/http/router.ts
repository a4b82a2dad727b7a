import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { AppError } from '../errors';
import { hasBody, inSequence, runMiddleware } from './middleware';
import { principalOf } from './principal';
import { assertValid, compileSchema, toFieldErrors } from '../validation';
import { parseUrlEncoded } from './url-encoded';
import {
  declaredStatuses,
  toExpressPath,
  type AuthRequirement,
  type BodyContentType,
  type BoundRoute,
  type Operation,
  type Reply,
} from './operation';

export interface RouterOptions {
  /** Turns an operation's auth requirement into middleware; the auth library provides it. */
  authenticate: (auth: AuthRequirement, operation: Operation) => RequestHandler | undefined;
  /** Byte limit of JSON and form bodies. */
  bodyLimit: number | string;
  /** Tests turn this on: every answer must be one the OpenAPI document declares. */
  validateResponses: boolean;
}

type BodyReader = (req: Request, res: Response) => Promise<unknown>;

function bodyReaders(limit: number | string): Record<BodyContentType, BodyReader> {
  const readJson = express.json({ limit, strict: true, type: () => true });
  // Bytes, not text: which charset decodes them is known only once they are percent-decoded.
  const readBytes = express.raw({ limit, type: () => true });
  return {
    'application/json': async (req, res) => {
      await runMiddleware(readJson, req, res);
      return req.body;
    },
    'application/x-www-form-urlencoded': async (req, res) => {
      await runMiddleware(readBytes, req, res);
      // Not bytes when read before the router, which then leaves the body as it is.
      if (Buffer.isBuffer(req.body))
        req.body = parseUrlEncoded(req.headers['content-type'], req.body);
      return req.body;
    },
  };
}

function validatePart(
  schema: object | undefined,
  value: unknown,
  prefix: string,
  coerce: boolean,
): unknown {
  if (!schema) return {};
  return assertValid(schema, value, {
    coerce,
    prefix,
    message: `The request ${prefix} is invalid`,
  });
}

async function parseBody(
  operation: Operation,
  readers: Record<BodyContentType, BodyReader>,
  req: Request,
  res: Response,
): Promise<unknown> {
  if (!operation.body) return undefined;
  if (!hasBody(req)) {
    throw new AppError('validation_failed', 'The request body is required', {
      errors: [{ field: 'body', message: 'is required' }],
    });
  }
  const accepted = operation.bodyContentTypes ?? ['application/json'];
  const contentType = accepted.find((type) => req.is(type));
  if (!contentType) {
    throw new AppError(
      'unsupported_media_type',
      `The request body must be ${accepted.join(' or ')}`,
    );
  }
  const body = await readers[contentType](req, res);
  return validatePart(operation.body, body, 'body', false);
}

function checkReplyAgainstSpec(operation: Operation, reply: Reply): void {
  const spec = operation.responses[reply.status];
  if (!spec) {
    throw new AppError(
      'internal',
      `${operation.operationId} answered ${reply.status}, which its OpenAPI operation does not declare`,
    );
  }
  if (spec.schema) {
    const validate = compileSchema(spec.schema);
    if (!validate(reply.body)) {
      const problems = toFieldErrors(validate.errors).map((e) => `${e.field} ${e.message}`);
      throw new AppError(
        'internal',
        `${operation.operationId} ${reply.status} body does not match the OpenAPI document: ${problems.join('; ')}`,
      );
    }
  }
}

function send(res: Response, reply: Reply): void {
  if (reply.headers) res.set(reply.headers);
  res.status(reply.status);
  if (reply.body === undefined) res.end();
  else res.json(reply.body);
}

function handlerFor(
  route: BoundRoute,
  options: RouterOptions,
  readers: Record<BodyContentType, BodyReader>,
): RequestHandler {
  const { operation } = route;
  return async (req, res) => {
    const params = validatePart(operation.params, { ...req.params }, 'path', true);
    const query = validatePart(operation.query, { ...req.query }, 'query', true);
    const body = await parseBody(operation, readers, req, res);
    const reply = await route.invoke({
      params,
      query,
      body,
      principal: principalOf(req),
      req,
      res,
    });
    if (reply === 'handled') return;
    if (options.validateResponses) checkReplyAgainstSpec(operation, reply);
    send(res, reply);
  };
}

/**
 * The router of one service's operations, each validated, authorised and documented alike.
 * Each operation's chain (its operation, authentication, handler) runs as one layer: the
 * router dispatches every layer of a matched route on every request.
 */
export function createRouter(routes: readonly BoundRoute[], options: RouterOptions): Router {
  const router = express.Router({ caseSensitive: true, strict: false });
  const readers = bodyReaders(options.bodyLimit);
  for (const route of routes) {
    const { operation } = route;
    const chain: RequestHandler[] = [
      (_req, res, next) => {
        res.locals.operation = operation;
        next();
      },
    ];
    const authenticate = options.authenticate(operation.auth, operation);
    if (authenticate) chain.push(authenticate);
    chain.push(handlerFor(route, options, readers));
    router[operation.method](toExpressPath(operation.path), inSequence(chain));
  }
  return router;
}

/**
 * The Allow header of a path: the methods of its most literal matching routes (a client means
 * /leads/export.csv, not /leads/{leadId}), HEAD wherever GET is (Express answers it), and
 * `alwaysAllowed`; undefined for a path no route has.
 */
function allowOf(
  routes: readonly BoundRoute[],
  alwaysAllowed: string[],
): (path: string) => string | undefined {
  const patterns = routes.map(({ operation }) => ({
    method: operation.method.toUpperCase(),
    pattern: new RegExp(`^${operation.path.replace(/\{[A-Za-z0-9_]+\}/g, '[^/]+')}/?$`),
    parameters: operation.path.split('{').length - 1,
  }));
  return (path) => {
    const matching = patterns.filter((p) => p.pattern.test(path));
    if (matching.length === 0) return undefined;
    const fewest = Math.min(...matching.map((p) => p.parameters));
    const methods = matching.filter((p) => p.parameters === fewest).map((p) => p.method);
    if (methods.includes('GET')) methods.push('HEAD');
    return [...new Set([...methods, ...alwaysAllowed])].join(', ');
  };
}

/**
 * OPTIONS that no CORS middleware answered: a preflight of an origin that may not call is
 * refused (403); any other gets 204 with the path's Allow, the same list a 405 gives, instead
 * of Express's own text/plain answer.
 */
export function optionsResponder(
  routes: readonly BoundRoute[],
  alwaysAllowed: string[] = ['OPTIONS'],
): RequestHandler {
  const allowAt = allowOf(routes, alwaysAllowed);
  return (req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    const allow = allowAt(req.path);
    if (allow === undefined) return next();
    if (req.headers.origin !== undefined && req.headers['access-control-request-method'])
      return next(new AppError('forbidden', 'This origin may not call this API from a browser'));
    res.set('Allow', allow).status(204).end();
  };
}

/** Answers 405 with Allow for a known path and a wrong method, 404 for anything else. */
export function unmatchedRouteHandler(
  routes: readonly BoundRoute[],
  alwaysAllowed: string[] = [],
): RequestHandler {
  const allowAt = allowOf(routes, alwaysAllowed);
  return (req, res, next) => {
    const allow = allowAt(req.path);
    if (allow !== undefined) {
      res.set('Allow', allow);
      next(new AppError('method_not_allowed', `${req.method} is not allowed here; use ${allow}`));
      return;
    }
    next(new AppError('not_found', `No route for ${req.method} ${req.path}`));
  };
}

export { declaredStatuses };
