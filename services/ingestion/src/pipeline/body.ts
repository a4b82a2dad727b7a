import express, { type RequestHandler } from 'express';
import { AppError, charsetParameterOf, hasBody, runMiddleware } from '@leadflow/core';

/**
 * Reads a JSON body before the router does, for an operation that needs it earlier (to check
 * a key inside it) or parsed differently (a larger limit, integers kept exact). The router then
 * finds the request consumed and validates `req.body` against the operation's schema as usual;
 * a request without a body is left to the router, which answers it.
 */
export function readJsonBody(
  limit: number,
  parse: (text: string) => unknown = JSON.parse,
): RequestHandler {
  const readText = express.text({ type: () => true, limit });
  return async (req, res, next) => {
    if (!hasBody(req)) {
      next();
      return;
    }
    if (!req.is('application/json'))
      throw new AppError('unsupported_media_type', 'The request body must be application/json');
    // As the router's JSON parser: a Unicode charset, or none (UTF-8).
    const charset = charsetParameterOf(req.headers['content-type']);
    if (charset !== undefined && !/^utf-/i.test(charset))
      throw new AppError(
        'unsupported_media_type',
        'The request body encoding or charset is not supported',
      );
    await runMiddleware(readText, req, res);
    try {
      req.body = parse(String(req.body));
    } catch {
      throw new AppError('malformed_body', 'The request body is not valid JSON');
    }
    next();
  };
}
