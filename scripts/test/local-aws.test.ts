/** Starting moto for `make dev` where it cannot start: the error carries moto's own words. */
import { createServer, type AddressInfo, type Server } from 'node:net';
import { startMotoProcess } from '@leadflow/local-aws';

describe('startMotoProcess', () => {
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    // Accepts and hangs up: nothing that answers as moto.
    holder = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('when moto exits before it answers (its port is taken), then the error shows its last output', async () => {
    await expect(startMotoProcess(port)).rejects.toThrow(
      new RegExp(
        `moto_server exited \\(code 1\\) before answering on http://127\\.0\\.0\\.1:${port}; its last output:\\n[\\s\\S]*Address already in use`,
      ),
    );
  });
});
