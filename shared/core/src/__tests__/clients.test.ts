import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { blackHole } from '@leadflow/testing';
import { createAwsClients } from '../aws/clients';

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
      for (let i = 0; i < 50 && hole.open() > 0; i++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(hole.open()).toBe(0);
    } finally {
      aws.destroy();
      await hole.close();
    }
  }, 10_000);
});
