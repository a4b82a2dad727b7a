import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEMO_PASSWORD } from '../demo-data';
import { assertLocalEmulator, parseArguments, signInAdvice, signInPassword } from '../token';

describe('parseArguments', () => {
  it.each([
    [['a@demo.test'], { email: 'a@demo.test', setPassword: false }],
    [['a@demo.test', '--set-password'], { email: 'a@demo.test', setPassword: true }],
    [['--set-password', 'a@demo.test'], { email: 'a@demo.test', setPassword: true }],
  ])('when called with %j, then it asks for %j', (args, request) => {
    expect(parseArguments(args)).toEqual(request);
  });

  it.each([[[]], [['--set-password']], [['a@demo.test', '--force']], [['a@demo.test', 'b']]])(
    'when called with %j, then it shows the usage',
    (args) => {
      expect(parseArguments(args)).toBeUndefined();
    },
  );
});

describe('signInPassword', () => {
  it('when DEMO_PASSWORD is set, then it signs in with it; otherwise with the demo password', () => {
    expect(signInPassword({ DEMO_PASSWORD: 'Other-1!' })).toEqual({
      password: 'Other-1!',
      source: '$DEMO_PASSWORD',
    });
    expect(signInPassword({}).password).toBe(DEMO_PASSWORD);
  });
});

describe('signInAdvice', () => {
  const source = 'the demo password';

  it('when the user still has its temporary password, then it says so and offers --set-password', () => {
    const advice = signInAdvice('new@demo.test', 'FORCE_CHANGE_PASSWORD', source);
    expect(advice).toContain('FORCE_CHANGE_PASSWORD');
    expect(advice).toContain('npm run --silent token -- new@demo.test --set-password');
  });

  it('when a confirmed user refuses the password, then it names the password tried and both ways out', () => {
    const advice = signInAdvice('agent@demo.test', 'CONFIRMED', source);
    expect(advice).toContain(`refused ${source}`);
    expect(advice).toContain('DEMO_PASSWORD=<its password>');
    expect(advice).toContain('--set-password');
  });

  it('when there is no such user, then it lists the demo users', () => {
    expect(signInAdvice('nobody@demo.test', 'missing', source)).toMatch(
      /no user nobody@demo\.test .*admin@demo\.test/,
    );
  });

  it('when the user is disabled, then it says so rather than blaming the password', () => {
    expect(signInAdvice('gone@demo.test', 'disabled', source)).toContain('disabled');
  });
});

describe('assertLocalEmulator', () => {
  let server: Server;
  let endpoint: string;
  let answersAsMoto = true;

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = answersAsMoto && req.url === '/moto-api/' ? 200 : 404;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('when moto answers at the endpoint, then it passes', async () => {
    answersAsMoto = true;
    await expect(assertLocalEmulator(endpoint)).resolves.toBeUndefined();
  });

  it('when something else answers there (as AWS would), then it refuses and names LOCAL_AWS_ENDPOINT', async () => {
    answersAsMoto = false;
    await expect(assertLocalEmulator(endpoint)).rejects.toThrow(`LOCAL_AWS_ENDPOINT=${endpoint}`);
  });
});
