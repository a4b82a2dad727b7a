import { Type } from '@sinclair/typebox';
import request from 'supertest';
import { AppError } from '../errors';
import { createApp } from '../http/app';
import { answerProblemAsPage } from '../http/problem';
import { ETagHeader } from '../http/etag';
import { defineOperation, route } from '../http/operation';
import { createLogger } from '../logger';

const echo = defineOperation({
  method: 'post',
  path: '/v1/things/{thingId}',
  operationId: 'createThing',
  summary: 'test',
  tags: ['test'],
  auth: { scheme: 'none' },
  params: Type.Object({ thingId: Type.String({ pattern: '^[a-z]+$' }) }),
  query: Type.Object(
    { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })) },
    { additionalProperties: false },
  ),
  body: Type.Object({ name: Type.String({ maxLength: 20 }) }, { additionalProperties: false }),
  responses: {
    201: {
      description: 'created',
      schema: Type.Object({ id: Type.String(), name: Type.String(), limit: Type.Integer() }),
    },
  },
});

const broken = defineOperation({
  method: 'get',
  path: '/v1/broken/{mode}',
  operationId: 'broken',
  summary: 'test',
  tags: ['test'],
  auth: { scheme: 'none' },
  params: Type.Object({ mode: Type.String() }),
  responses: {
    200: {
      description: 'ok',
      schema: Type.Object({ ok: Type.Boolean() }, { additionalProperties: false }),
    },
  },
  errors: [404],
});

const versioned = defineOperation({
  method: 'get',
  path: '/v1/versioned/{mode}',
  operationId: 'versioned',
  summary: 'test',
  tags: ['test'],
  auth: { scheme: 'none' },
  params: Type.Object({ mode: Type.String() }),
  responses: {
    200: {
      description: 'ok',
      schema: Type.Object({ version: Type.Integer() }),
      headers: ETagHeader,
    },
  },
});

function build(readinessOk = true) {
  return createApp({
    service: 'test',
    logger: createLogger({ service: 'test', level: 'silent' }),
    bodyLimit: 64,
    validateResponses: true,
    authenticate: () => undefined,
    readinessChecks: [
      { name: 'dep', check: async () => (readinessOk ? 'ok' : Promise.reject(new Error('down'))) },
    ],
    routes: [
      route(versioned, async ({ params }) => ({
        status: 200,
        body: { version: 3 },
        headers: params.mode === 'tagged' ? { ETag: '"3"' } : ({} as Record<string, string>),
      })),
      route(echo, async ({ params, query, body }) => ({
        status: 201,
        body: { id: params.thingId, name: body.name, limit: query.limit ?? 0 },
      })),
      route(broken, async ({ params, res }) => {
        if (params.mode === 'teapot') {
          res.status(418).type('text').send('written by the handler itself');
          return 'handled';
        }
        if (params.mode === 'missing') throw new AppError('not_found', 'Thing not found');
        if (params.mode === 'paged') {
          answerProblemAsPage(
            res,
            (problem, answer) =>
              `<p>${problem.status} ${problem.detail} ${String(answer.getHeader('Retry-After'))}</p>`,
          );
          throw new AppError('not_found', 'Thing not found', { headers: { 'Retry-After': '5' } });
        }
        if (params.mode === 'crash') throw new Error('secret internals');
        if (params.mode === 'conflict') throw new AppError('conflict', 'not declared');
        if (params.mode === 'throttled')
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
            name: 'ProvisionedThroughputExceededException',
            $fault: 'client',
            $retryable: { throttling: true },
          });
        if (params.mode === 'unreachable')
          throw Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), {
            code: 'ECONNREFUSED',
          });
        if (params.mode === 'refused')
          throw Object.assign(new Error('One or more parameter values were invalid'), {
            name: 'ValidationException',
            $fault: 'client',
          });
        return { status: 200, body: { ok: true, extra: 'not in the spec' } };
      }),
    ],
  }).app;
}

const PROBLEM = 'application/problem+json; charset=utf-8';

describe('createApp', () => {
  const app = build();

  it('when a valid request arrives, then the handler gets coerced, defaulted input', async () => {
    const res = await request(app).post('/v1/things/abc?limit=5').send({ name: 'x' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: 'abc', name: 'x', limit: 5 });
  });

  it('when any response is sent, then security headers are set and x-powered-by is not', async () => {
    const res = await request(app).get('/healthz');
    expect(res.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    expect(res.headers['strict-transport-security']).toContain('max-age=63072000');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^[0-9A-Z]{26}$/);
  });

  it('when the caller sends a sane request id, then it is echoed', async () => {
    const res = await request(app).get('/healthz').set('X-Request-Id', 'abc-123');
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('when the route is unknown, then 404 problem+json', async () => {
    const res = await request(app).get('/v1/nope');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).toMatchObject({
      type: 'https://leadflow.dev/problems/not-found',
      title: 'Not found',
      status: 404,
    });
  });

  it('when a path parameter is not valid percent-encoding, then 400 problem+json, not a 500', async () => {
    const res = await request(app).post('/v1/things/%E0%A4%A').send({ name: 'x' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe(PROBLEM);
    expect(res.body).toMatchObject({ status: 400, detail: 'The request URL is malformed' });
  });

  it('when a handler writes a status its operation does not declare itself, then tests see 500', async () => {
    const res = await request(build()).get('/v1/broken/teapot');
    expect(res.status).toBe(500);
  });

  it('when the method is wrong, then 405 with Allow', async () => {
    const res = await request(app).delete('/v1/things/abc');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST, OPTIONS');
  });

  it('when OPTIONS comes without a CORS preflight, then 204 with the same Allow a 405 gives, and 404 for an unknown path', async () => {
    const options = await request(app).options('/v1/things/abc');
    expect(options.status).toBe(204);
    expect(options.headers.allow).toBe('POST, OPTIONS');
    const unknown = await request(app).options('/v1/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe(PROBLEM);
  });

  it('when the JSON is malformed, then 400', async () => {
    const res = await request(app)
      .post('/v1/things/abc')
      .set('content-type', 'application/json')
      .send('{"name":');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://leadflow.dev/problems/malformed-body',
      detail: 'The request body is not valid JSON',
    });
  });

  it('when the body is too large, then 413', async () => {
    const res = await request(app)
      .post('/v1/things/abc')
      .send({ name: 'x'.repeat(100) });
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe(PROBLEM);
  });

  it('when the content type is not accepted, then 415', async () => {
    const res = await request(app)
      .post('/v1/things/abc')
      .set('content-type', 'text/plain')
      .send('name=x');
    expect(res.status).toBe(415);
  });

  it('when there is no body, then 400 naming the body', async () => {
    const res = await request(app).post('/v1/things/abc');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: 'body', message: 'is required' }]);
  });

  it('when path, query and body are invalid, then each field is named', async () => {
    const res = await request(app)
      .post('/v1/things/ABC?limit=0&other=1')
      .send({ name: 1, admin: true });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      { field: 'path.thingId', message: 'must match pattern "^[a-z]+$"' },
    ]);
    const res2 = await request(app).post('/v1/things/abc?limit=0&other=1').send({ name: 1 });
    expect(res2.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'query.limit', message: 'must be >= 1' },
        { field: 'query.other', message: 'is not an allowed field' },
      ]),
    );
    const res3 = await request(app).post('/v1/things/abc').send({ name: 1, admin: true });
    expect(res3.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.name', message: 'must be string' },
        { field: 'body.admin', message: 'is not an allowed field' },
      ]),
    );
  });

  it('when a handler throws an AppError, then its status and detail are answered', async () => {
    const res = await request(app).get('/v1/broken/missing');
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('Thing not found');
  });

  it('when a request was given a problem page, then its problem answers as that page, with the problem’s status and headers', async () => {
    const res = await request(app).get('/v1/broken/paged');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['retry-after']).toBe('5');
    expect(res.text).toBe('<p>404 Thing not found 5</p>');
  });

  it('when a handler crashes, then 500 without internals, and the process lives on', async () => {
    const res = await request(app).get('/v1/broken/crash');
    expect(res.status).toBe(500);
    expect(JSON.stringify(res.body)).not.toContain('secret internals');
    expect((await request(app).get('/healthz')).status).toBe(200);
  });

  it.each(['throttled', 'unreachable'])(
    'when AWS is %s, then 503 with Retry-After, without internals',
    async (mode) => {
      const res = await request(app).get(`/v1/broken/${mode}`);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['content-type']).toBe(PROBLEM);
      expect(res.body.detail).toBe('A service this request needs is unavailable right now');
    },
  );

  it('when AWS refuses a call for good, then it is a 500: retrying would not help', async () => {
    expect((await request(app).get('/v1/broken/refused')).status).toBe(500);
  });

  it('when responses are checked and a body breaks the spec, then it is a 500 naming the mismatch', async () => {
    const res = await request(app).get('/v1/broken/extra');
    expect(res.status).toBe(500);
    expect(res.body.detail).toContain('does not match the OpenAPI document');
  });

  it('when responses are checked and an error status is undeclared, then it is a 500', async () => {
    const res = await request(app).get('/v1/broken/conflict');
    expect(res.status).toBe(500);
    expect(res.body.detail).toContain('answered 409, which its OpenAPI operation does not declare');
  });

  it('when a dependency fails, then /readyz answers 503 naming it', async () => {
    const res = await request(build(false)).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ status: 'not-ready', checks: { dep: 'failing' } });
  });
});

describe('access log', () => {
  async function loggedApp() {
    const lines: Array<Record<string, unknown>> = [];
    const { Writable } = await import('node:stream');
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString()));
        callback();
      },
    });
    const { app } = createApp({
      service: 'test',
      logger: createLogger({ service: 'test', level: 'info', destination }),
      authenticate: () => undefined,
      routes: [],
    });
    return { app, lines };
  }

  it('when a request ends, then one line carries its request id, status and duration, at a level set by the status', async () => {
    const { app, lines } = await loggedApp();
    await request(app).get('/v1/nothing?email=jane@example.com').set('X-Request-Id', 'req-42');
    await request(app).get('/healthz');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'warn',
        requestId: 'req-42',
        method: 'GET',
        path: '/v1/nothing',
        status: 404,
        durationMs: expect.any(Number),
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('jane@example.com');
  });

  it('when a client sends a huge user agent and path, then the line keeps only their start', async () => {
    const { app, lines } = await loggedApp();
    const path = `/v1/${'p'.repeat(4000)}`;
    await request(app)
      .get(path)
      .set('User-Agent', `@${'a'.repeat(12_000)}`);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.userAgent).toBe(`@${'a'.repeat(511)}`);
    expect(lines[0]!.path).toBe(path.slice(0, 1024));
    expect(lines[0]!.msg).toBe(`GET ${path.slice(0, 1024)} 404`);
  });

  it('when a long user agent ends in an address the cut would split, then no part of it is logged', async () => {
    const { app, lines } = await loggedApp();
    const agent = `${'a'.repeat(500)} (contact: jane.doe@example.com)`;
    await request(app).get('/v1/nothing').set('User-Agent', agent);
    expect(lines[0]!.userAgent).toBe(`${'a'.repeat(500)} (contact: [email])`.slice(0, 512));
    expect(JSON.stringify(lines)).not.toContain('jane.doe');
  });
});

describe('ETags', () => {
  it('when an answer has no ETag of its own, then none is made up: a list’s or a problem’s would pass for a version', async () => {
    const app = build();
    expect(
      (await request(app).get('/v1/versioned/plain').expect(200)).headers.etag,
    ).toBeUndefined();
    expect((await request(app).get('/v1/broken/missing').expect(404)).headers.etag).toBeUndefined();
  });

  it('when a GET names the current ETag in If-None-Match, then 304', async () => {
    const app = build();
    const res = await request(app).get('/v1/versioned/tagged').set('If-None-Match', '"3"');
    expect(res.status).toBe(304);
    expect(res.headers.etag).toBe('"3"');
  });
});
