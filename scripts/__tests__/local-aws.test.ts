import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { recentOutput } from '@leadflow/local-aws';
import { assertPortFree, localPortOf, portIsFree } from '../local-aws';

describe('localPortOf', () => {
  it('when the endpoint is on this machine with a port, then it is that port', () => {
    expect(localPortOf('http://127.0.0.1:4566')).toBe(4566);
    expect(localPortOf('http://localhost:4600')).toBe(4600);
  });

  it.each(['http://moto:5000', 'http://127.0.0.1'])(
    'when the endpoint is %s, then it says make dev cannot start an emulator there',
    (endpoint) => {
      expect(() => localPortOf(endpoint)).toThrow(`LOCAL_AWS_ENDPOINT=${endpoint}`);
    },
  );
});

describe('assertPortFree', () => {
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('when another program holds the port, then it says which port and how to use another', async () => {
    expect(await portIsFree(port)).toBe(false);
    const endpoint = `http://127.0.0.1:${port}`;
    await expect(assertPortFree(port, endpoint)).rejects.toThrow(
      new RegExp(
        `port ${port} of the local AWS \\(LOCAL_AWS_ENDPOINT=${endpoint}\\) is taken[\\s\\S]*export LOCAL_AWS_ENDPOINT=http://127\\.0\\.0\\.1:${port + 1}`,
      ),
    );
  });

  it('when the port is free, then it passes', async () => {
    const free = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    await expect(assertPortFree(free, `http://127.0.0.1:${free}`)).resolves.toBeUndefined();
  });
});

describe('recentOutput', () => {
  it('when a process wrote more lines than kept, then it answers the last ones of stdout and stderr', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        'for (let i = 1; i <= 30; i++) console.log(`line ${i}`); console.error("Address already in use"); process.exit(1)',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output = recentOutput(child, 5);
    await new Promise((resolve) => child.once('close', resolve));
    expect(output().split('\n')).toHaveLength(5);
    expect(output()).toContain('line 30');
    expect(output()).toContain('Address already in use');
    expect(output()).not.toContain('line 25\n');
  });
});
