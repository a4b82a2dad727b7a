import { Writable } from 'node:stream';
import { createLogger, redact, redactString } from '../logger';
import { runWithContext } from '../request-context';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()));
      callback();
    },
  });
  return { lines, logger: createLogger({ service: 'svc', level: 'debug', destination }) };
}

describe('logger', () => {
  it('when logging inside a request, then every line has the service, request id and tenant', () => {
    const { lines, logger } = capture();
    runWithContext({ requestId: 'req-1', tenantId: 'demo' }, () => logger.info('hello'));
    expect(lines[0]).toMatchObject({
      service: 'svc',
      requestId: 'req-1',
      tenantId: 'demo',
      msg: 'hello',
      level: 'info',
    });
  });

  it('when an object carries secrets and personal data, then they are redacted by key and by shape', () => {
    const { lines, logger } = capture();
    logger.info(
      {
        headers: { authorization: 'Bearer abc.def.ghi', 'x-api-key': 'lf_live_abc' },
        lead: {
          email: 'jane@example.com',
          phone: '+4915112345678',
          note: 'call jane@example.com or +44 20 7946 0958',
        },
        password: 'hunter2',
        createdAt: '2026-11-26T10:00:00.000Z',
      },
      'token eyJ for jane@example.com',
    );
    const line = JSON.stringify(lines[0]);
    for (const secret of [
      'abc.def.ghi',
      'lf_live_abc',
      'jane@example.com',
      '+4915112345678',
      '7946',
      'hunter2',
    ]) {
      expect(line).not.toContain(secret);
    }
    expect(lines[0]).toMatchObject({
      createdAt: '2026-11-26T10:00:00.000Z',
      msg: 'token eyJ for [email]',
    });
  });

  it('when a URL path holds a percent-encoded e-mail address or phone number, then it is redacted', () => {
    expect(redactString('/v1/members/jane.doe%40corp-mail.test')).toBe('/v1/members/[email]');
    expect(redactString('/v1/leads?email=jane%40Example.COM&x=1')).toBe(
      '/v1/leads?email=[email]&x=1',
    );
    expect(redactString('/v1/leads?phone=%2B49%2030%20123456')).toBe('/v1/leads?phone=[phone]');
    expect(redactString('/v1/leads?phone=%2B4930123456')).toBe('/v1/leads?phone=[phone]');
  });

  it('when an encoded address or number has encoded parts of its own, then none of it is left', () => {
    const cases = {
      '/v1/members/jane%2Bsales%40corp.test': 'jane',
      '/v1/members/ren%C3%A9e%40corp.test': 'ren',
      '/v1/members/jane%40corp%2Etest': 'corp',
      '/v1/members/jane+sales%40corp.test': 'sales',
      '/v1/leads?phone=%2B49+30+123456': '123456',
      '/v1/leads?phone=+49+30+123456': '123456',
    };
    for (const [text, part] of Object.entries(cases)) {
      const redacted = redactString(text);
      expect(redacted).not.toContain(part);
      expect(redacted).toMatch(/^\/v1\/(members\/\[email\]|leads\?phone=\[phone\])$/);
    }
  });

  it('when an error message contains an e-mail address, then the message is redacted', () => {
    expect(redact(new Error('duplicate jane@example.com'))).toMatchObject({
      message: 'duplicate [email]',
    });
  });

  it('when a long string only looks like it holds an address or a number, then it is scanned in linear time and kept', () => {
    // Unbounded patterns backtracked over the whole rest of the string from every position:
    // these took minutes; a linear scan takes milliseconds.
    const lookalikes = [
      `@${'a'.repeat(200_000)}`,
      `${'a'.repeat(200_000)}@`,
      `+1${'('.repeat(200_000)}`,
      `bearer${' '.repeat(200_000)}`,
      `%40${'a'.repeat(200_000)}`,
      `%2B1${'%20'.repeat(70_000)}`,
    ];
    for (const text of lookalikes) expect(redactString(text)).toBe(text);
    expect(redactString(`${'x'.repeat(100)} jane.doe+x@example.co.uk +44 20 7946 0958`)).toBe(
      `${'x'.repeat(100)} [email] [phone]`,
    );
  });
});
