import { createServer, type Server, type Socket } from 'node:net';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createAwsClients } from '../aws/clients';

/** A loopback endpoint that takes every connection and never answers: AWS hanging. */
async function blackHole(): Promise<{ endpoint: string; open: Set<Socket>; server: Server }> {
  const open = new Set<Socket>();
  const server = createServer((socket) => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.resume(); // reads (and drops) the request, so it sees the client close
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, open, server };
}

describe('createAwsClients', () => {
  it('when EventBridge is called, then the SDK makes one attempt: the publishers own the retries', async () => {
    const aws = createAwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1' });
    try {
      await expect(aws.eventBridge.config.maxAttempts()).resolves.toBe(1);
      await expect(aws.dynamodb.config.maxAttempts()).resolves.toBe(3);
    } finally {
      aws.destroy();
    }
  });

  it('when AWS takes a call and never answers, then the call fails with a TimeoutError and its connection is closed', async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    const hole = await blackHole();
    const aws = createAwsClients({
      region: 'eu-west-1',
      endpoint: hole.endpoint,
      requestTimeoutMs: 200,
      maxAttempts: 1,
    });
    try {
      await expect(
        aws.dynamodb.send(new DescribeTableCommand({ TableName: 'leads' })),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
      await expect(
        aws.eventBridge.send(new PutEventsCommand({ Entries: [{ Detail: '{}' }] })),
      ).rejects.toMatchObject({ name: 'TimeoutError' });
      // A hung call that kept its socket would, 64 of them later, leave no socket for the next.
      for (let i = 0; i < 50 && hole.open.size > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(hole.open.size).toBe(0);
    } finally {
      aws.destroy();
      hole.server.close();
    }
  }, 10_000);
});
