import type { Express } from 'express';
import request from 'supertest';

/** The preflight a browser page of `origin` sends before calling `method` with `headers`. */
export function preflight(
  app: Express,
  path: string,
  origin: string,
  method: string,
  headers: readonly string[],
) {
  return request(app)
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method)
    .set('Access-Control-Request-Headers', headers.join(', ').toLowerCase());
}

/** The page's origin may call `method` with `headers` (named as the service answers them). */
export function expectPreflightAllowed(
  res: request.Response,
  origin: string,
  method: string,
  headers: readonly string[],
): void {
  expect(res.status).toBe(204);
  expect(res.headers['access-control-allow-origin']).toBe(origin);
  expect(res.headers['access-control-allow-methods']).toContain(method);
  expect(res.headers['access-control-allow-headers']).toMatch(new RegExp(headers.join('.*')));
  expect(res.headers.vary).toContain('Origin');
}

/** No CORS for a page of that origin: no grant, and the preflight is not answered as one. */
export function expectNoCorsGrant(res: request.Response): void {
  expect(res.status).not.toBe(204);
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}
