import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '@leadflow/local-aws';
import { eventually } from '@leadflow/testing';

describe('graceful shutdown', () => {
  it('when SIGTERM arrives during a request, then the request completes, new ones are refused, workers stop and the process exits 0', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, 'fixtures/slow-service.ts')],
      {
        env: {
          ...process.env,
          PORT: String(port),
          AWS_REGION: 'us-east-1',
          LOG_LEVEL: 'info',
          NODE_OPTIONS: '',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const base = `http://127.0.0.1:${port}`;
    try {
      await eventually(
        async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined),
        20_000,
      );
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`the service did not start: ${output}`, { cause: error });
    }

    const inFlight = fetch(`${base}/v1/slow`);
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    const late = await fetch(`${base}/v1/slow`).then(
      (res) => res.status,
      () => 'refused',
    );

    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    expect(late).toBe('refused');
    expect(await exited).toBe(0);
    expect(output).toContain('draining');
    expect(output).toContain('worker stopped');
  });

  it('when a required variable is missing, then the process stops at once with one line naming it', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(__dirname, '../../../services/leads/src/main.ts')],
      {
        env: { PATH: process.env.PATH, NODE_OPTIONS: '', AWS_REGION: 'us-east-1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(78);
    expect(stderr).toContain('configuration error: LEADS_TABLE is required');
    expect(stderr).not.toContain('    at ');
  });
});
