import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CrmHttp } from '../crm-http';
import { isBlockedAddress } from '@leadflow/auth';
import { assertSafeUrl, guardedLookup, UnsafeEndpointError } from '../endpoint-guard';

describe('Endpoint guard (production)', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a9fe:a9fe',
    '64:ff9b::7f00:1',
    'not-an-address',
  ])('when an address is %s, then it is not public', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '104.16.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])(
    'when an address is %s, then it is public',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it.each([
    ['http://api.hubapi.com/x', /https/],
    ['https://localhost/x', /not a public host/],
    ['https://crm.internal/x', /not a public host/],
    ['https://10.0.0.5/x', /not a public host/],
    ['https://[::1]/x', /not a public host/],
    ['https://169.254.169.254/latest/meta-data', /not a public host/],
  ])('when production is asked to call %s, then it refuses', (url, message) => {
    expect(() => assertSafeUrl(new URL(url))).toThrow(message);
  });

  it('when the URL is a public https one, then it passes', () => {
    expect(() => assertSafeUrl(new URL('https://api.hubapi.com/crm/v3'))).not.toThrow();
  });

  it('when a name resolves to a private address at connect time (DNS rebinding), then the lookup refuses it', async () => {
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup('localhost', {}, (err) => resolve(err)),
    );
    expect(error).toBeInstanceOf(UnsafeEndpointError);
    expect(error?.code).toBe('EUNSAFEENDPOINT');
  });

  describe('CrmHttp', () => {
    let server: Server;
    let port: number;
    let hits = 0;

    beforeAll(async () => {
      server = createServer((_req, res) => {
        hits += 1;
        res.end('{}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('when production calls a loopback CRM over http or https, then nothing reaches it', async () => {
      const http = new CrmHttp({ timeoutMs: 1_000, production: true });
      try {
        for (const url of [
          `http://127.0.0.1:${port}/`,
          `https://127.0.0.1:${port}/`,
          `https://localhost:${port}/`,
        ])
          await expect(http.send({ method: 'GET', url })).rejects.toBeInstanceOf(
            UnsafeEndpointError,
          );
        expect(hits).toBe(0);
      } finally {
        http.destroy();
      }
    });

    it('when not in production, then the same loopback CRM (the fake) answers', async () => {
      const http = new CrmHttp({ timeoutMs: 1_000, production: false });
      try {
        const response = await http.send({ method: 'GET', url: `http://127.0.0.1:${port}/` });
        expect(response.status).toBe(200);
        expect(hits).toBe(1);
      } finally {
        http.destroy();
      }
    });
  });
});
