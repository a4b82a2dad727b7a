/**
 * What the image runs: each service's bundle, copied alone into an empty folder (as the
 * image's runtime stage has no node_modules), started against local AWS. It must become ready
 * — every AWS dependency answering — and drain and exit 0 on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@leadflow/local-aws';
import { createTestStack, eventually, type TestStack } from '@leadflow/testing';
import { buildService, SERVICES } from '../build';

describe('service bundles', () => {
  let stack: TestStack;
  let dir: string;

  beforeAll(async () => {
    stack = await createTestStack();
    dir = mkdtempSync(join(tmpdir(), 'leadflow-bundles-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(SERVICES)(
    'when the %s bundle runs without node_modules, then it gets ready on local AWS and drains on SIGTERM',
    async (service) => {
      const bundle = await buildService(service, join(dir, service, 'main.js'));
      const port = await freePort();
      let output = '';
      const child: ChildProcess = spawn(process.execPath, ['--enable-source-maps', bundle], {
        cwd: join(dir, service),
        env: {
          PATH: process.env.PATH,
          ...stack.env,
          NODE_ENV: 'development',
          LOG_LEVEL: 'warn',
          PORT: String(port),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          // Short long-polls, so the workers' drain does not wait out a 10 s poll.
          INTAKE_WAIT_SECONDS: '1',
          CRM_SYNC_WAIT_SECONDS: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      for (const stream of [child.stdout!, child.stderr!])
        stream.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4_000)));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      try {
        const ready = await eventually(
          async () => {
            if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
            const res = await fetch(`http://127.0.0.1:${port}/readyz`);
            return res.status === 200 ? res : undefined;
          },
          30_000,
          200,
        ).catch((error: unknown) => {
          throw new Error(`${service} never got ready: ${String(error)}\n${output}`);
        });
        expect(ready.status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    },
  );
});
