import { Type } from '@sinclair/typebox';
import request from 'supertest';
import { createApp } from '../http/app';
import { defineOperation, route } from '../http/operation';
import { createLogger } from '../logger';

const FormValues = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Array(Type.String())]),
);

const echoForm = defineOperation({
  method: 'post',
  path: '/v1/forms',
  operationId: 'echoForm',
  summary: 'test',
  tags: ['test'],
  auth: { scheme: 'none' },
  body: FormValues,
  bodyContentTypes: ['application/json', 'application/x-www-form-urlencoded'],
  responses: { 200: { description: 'the parsed body', schema: FormValues } },
});

const BODY_LIMIT = 256;

const app = createApp({
  service: 'test',
  logger: createLogger({ service: 'test', level: 'silent' }),
  bodyLimit: BODY_LIMIT,
  validateResponses: true,
  authenticate: () => undefined,
  readinessChecks: [],
  routes: [route(echoForm, async ({ body }) => ({ status: 200, body }))],
}).app;

const FORM = 'application/x-www-form-urlencoded';

const post = (body: string | Buffer, contentType = FORM) =>
  request(app)
    .post('/v1/forms')
    .set('Content-Type', contentType)
    // As is: superagent would encode a Buffer as a form of its indices.
    .serialize((data: string) => data)
    .send(body);

describe('a URL-encoded body', () => {
  it('when it is UTF-8, then `+` is a space, `%2B` a plus, and a stray `%` stands for itself', async () => {
    const res = await post('name=Jos%C3%A9+Mar%C3%ADa&sum=1%2B1&rate=100%&odd=%zz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'José María', sum: '1+1', rate: '100%', odd: '%zz' });
  });

  it('when a name repeats, then its values become a list; an empty name is dropped', async () => {
    const res = await post('tag=a&tag=b&tag=c&one=1&=x&toString=t');
    expect(res.body).toEqual({ tag: ['a', 'b', 'c'], one: '1', toString: 't' });
  });

  it('when a Latin-1 page posts without a charset, then its bytes are read as windows-1252', async () => {
    // `raw` as a careless client sends it: the byte itself, not percent-encoded.
    const res = await post(Buffer.from('name=Jos%E9&note=%93Caf%E9%94+%80+5&raw=\xe9', 'latin1'));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ name: 'José', note: '“Café” € 5', raw: 'é' });
  });

  it('when only one value is not UTF-8, then the whole body is read as windows-1252', async () => {
    const res = await post('city=M%C3%BCnchen&name=Jos%E9');
    expect(res.body).toEqual({ city: 'MÃ¼nchen', name: 'José' });
  });

  it.each(['windows-1252', 'ISO-8859-1', 'latin1', '"iso-8859-1"'])(
    'when the charset is %s, then the body is read as windows-1252',
    async (charset) => {
      const res = await post('name=Jos%E9+%80', `${FORM}; charset=${charset}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ name: 'José €' });
    },
  );

  it('when the charset is windows-1252, then bytes that would be UTF-8 are windows-1252 too', async () => {
    const res = await post('name=%C3%A9', `${FORM}; charset=windows-1252`);
    expect(res.body).toEqual({ name: 'Ã©' });
  });

  it('when the charset is utf-8 and the bytes are not, then 400 rather than a guess', async () => {
    const res = await post('name=Jos%E9', `${FORM}; charset=utf-8`);
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('The request body is not UTF-8, as its charset says');
  });

  it('when the charset is another one, then 415', async () => {
    const res = await post('name=x', `${FORM}; charset=shift_jis`);
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('when the HTML `_charset_` field names the charset, then it decodes the body and is dropped', async () => {
    expect((await post('_charset_=windows-1252&name=%C3%A9')).body).toEqual({ name: 'Ã©' });
    expect((await post('name=Jos%C3%A9&_charset_=UTF-8')).body).toEqual({ name: 'José' });
    expect((await post('_charset_=&name=Jos%E9')).body).toEqual({ name: 'José' });
    expect((await post('_charset_=Shift_JIS&name=x')).status).toBe(415);
  });

  it('when the Content-Type names a charset, then it wins over `_charset_`', async () => {
    const res = await post('_charset_=windows-1252&name=%C3%A9', `${FORM}; charset=utf-8`);
    expect(res.body).toEqual({ name: 'é' });
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'when a name is %s, then 400 naming it, as for JSON',
    async (name) => {
      const res = await post(`a=1&${name}=x`);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        detail: 'The request contains a forbidden key',
        errors: [{ field: `body.${name}`, message: 'is a forbidden key' }],
      });
    },
  );

  it('when `__proto__` is percent-encoded, then it is refused all the same', async () => {
    const res = await post('%5F%5Fproto%5F%5F=x');
    expect(res.body.errors).toEqual([{ field: 'body.__proto__', message: 'is a forbidden key' }]);
  });

  it('when it has more than 200 parameters, then 413', async () => {
    const res = await request(app)
      .post('/v1/forms')
      .set('Content-Type', FORM)
      .send('&'.repeat(200));
    expect(res.status).toBe(413);
    expect(res.body.detail).toBe('The request body has too many parameters');
  });

  it('when its raw bytes exceed the limit, then 413 though the decoded text would fit', async () => {
    const encoded = `name=${'%41'.repeat(Math.ceil(BODY_LIMIT / 3))}`;
    expect(encoded.length).toBeGreaterThan(BODY_LIMIT);
    const res = await post(encoded);
    expect(res.status).toBe(413);
    expect(res.body.detail).toBe(`The request body exceeds the limit of ${BODY_LIMIT} bytes`);
  });

  it('when it is empty but chunked, then the empty form is judged', async () => {
    const res = await request(app)
      .post('/v1/forms')
      .set('Content-Type', FORM)
      .set('Transfer-Encoding', 'chunked')
      .send('');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({});
  });
});
