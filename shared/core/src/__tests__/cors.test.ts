import express from 'express';
import request from 'supertest';
import {
  applyCors,
  corsOriginOf,
  isOriginAllowed,
  originList,
  type CorsPolicy,
} from '../http/cors';

const POLICY: CorsPolicy = {
  methods: ['POST'],
  allowedHeaders: ['Content-Type'],
  maxAgeSeconds: 60,
};

function echoCors(allowed: string[]) {
  const app = express();
  app.use((req, res) => {
    res.json({ allowed: applyCors(req, res, allowed, POLICY), origin: corsOriginOf(req) ?? null });
  });
  return app;
}

describe('CORS', () => {
  it('when the Origin is an allowed one, then it is answered', async () => {
    const res = await request(echoCors(['https://a.test']))
      .post('/')
      .set('Origin', 'https://a.test');
    expect(res.body).toEqual({ allowed: true, origin: 'https://a.test' });
    expect(res.headers['access-control-allow-origin']).toBe('https://a.test');
  });

  it('when the Origin is the opaque `null`, then CORS does not apply, like without Origin', async () => {
    const res = await request(echoCors(['https://a.test']))
      .post('/')
      .set('Origin', 'null');
    expect(res.body).toEqual({ allowed: false, origin: null });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('when `null` were listed as an allowed origin, then it is still never answered', async () => {
    expect(isOriginAllowed('null', ['null'])).toBe(false);
    const res = await request(echoCors(['null']))
      .options('/')
      .set('Origin', 'null');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('originList', () => {
  it('when FRONTEND_ORIGINS lists origins, then each is one, and a URL with a path is refused', () => {
    expect(originList(' https://app.example.com, http://localhost:5173 ,')).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(originList('')).toEqual([]);
    expect(() => originList('https://app.example.com/login')).toThrow(/not an origin/);
  });
});
