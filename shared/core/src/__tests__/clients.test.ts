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
});
