/**
 * The local AWS makes a queue's receives, deletes and visibility changes take turns with its
 * sends (moto alone can lose or double a message: see moto_server.py). A long poll must still
 * let the sends through while it waits, or every worker would stall for its whole wait.
 */
import { CreateQueueCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients } from '@leadflow/core';
import { emulatorEndpoint, TEST_REGION, uniquePrefix } from '@leadflow/testing';

describe('SQS on the local AWS', () => {
  const aws = createAwsClients({ region: TEST_REGION, endpoint: emulatorEndpoint() });
  afterAll(() => aws.destroy());

  it('when a message is sent while a long poll waits, then that poll receives it', async () => {
    const { QueueUrl } = await aws.sqs.send(
      new CreateQueueCommand({ QueueName: `${uniquePrefix()}long-poll` }),
    );
    const poll = aws.sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await aws.sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'sent during the poll' }));

    const { Messages = [] } = await poll;
    expect(Messages.map((m) => m.Body)).toEqual(['sent during the poll']);
  });
});
