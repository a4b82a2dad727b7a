import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createTestStack, eventually, setMaxReceiveCount, type TestStack } from '@leadflow/testing';
import {
  createAwsClients,
  createLogger,
  QueueConsumer,
  redrivePolicyReader,
  RetryLater,
  type AwsClients,
  type QueueMessage,
} from '../src';

const logger = createLogger({ service: 'test', level: process.env.TEST_LOG_LEVEL ?? 'silent' });
/** The tests set the redrive count they count on, whatever the manifest gives lead-intake. */
const MAX_RECEIVE_COUNT = 5;

describe('QueueConsumer against local SQS', () => {
  let stack: TestStack;
  let aws: AwsClients;
  let sqs: SQSClient;
  let queueUrl: string;
  let dlqUrl: string;
  const consumers: QueueConsumer[] = [];

  beforeAll(async () => {
    stack = await createTestStack();
    aws = createAwsClients({ region: stack.resources.region, endpoint: stack.resources.endpoint });
    sqs = aws.sqs;
    queueUrl = stack.resources.queues['lead-intake'].url;
    dlqUrl = stack.resources.deadLetterQueues['lead-intake'].url;
    await setMaxReceiveCount(sqs, queueUrl, MAX_RECEIVE_COUNT);
  });
  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.stop()));
  });
  afterAll(() => aws.destroy());

  function consume(
    handleMessage: (m: QueueMessage) => Promise<void>,
    options: Partial<ConstructorParameters<typeof QueueConsumer>[0]> = {},
  ) {
    const consumer = new QueueConsumer({
      name: 'test',
      sqs,
      queueUrl,
      logger,
      handleMessage,
      waitTimeSeconds: 1,
      ...options,
    });
    consumers.push(consumer);
    consumer.start();
    return consumer;
  }

  async function visibleCount(url: string): Promise<number> {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes!.ApproximateNumberOfMessages) +
      Number(Attributes!.ApproximateNumberOfMessagesNotVisible)
    );
  }

  it('when the handler succeeds, then each message is handled once and deleted', async () => {
    const seen: string[] = [];
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `body-${i}` })),
      }),
    );
    consume(async (m) => {
      seen.push(m.body);
    });
    await eventually(async () => (seen.length === 10 ? true : undefined));
    await eventually(async () => ((await visibleCount(queueUrl)) === 0 ? true : undefined));
    expect(seen.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `body-${i}`).sort());
  });

  it('when concurrency is 2, then never more than 2 messages are worked on at once', async () => {
    let running = 0;
    let maxRunning = 0;
    let done = 0;
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Array.from({ length: 6 }, (_, i) => ({ Id: `c${i}`, MessageBody: `c${i}` })),
      }),
    );
    consume(
      async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 100));
        running -= 1;
        done += 1;
      },
      { concurrency: 2 },
    );
    await eventually(async () => (done === 6 ? true : undefined));
    expect(maxRunning).toBe(2);
  });

  it('when work outlasts the visibility timeout, then the heartbeat keeps the message from being redelivered', async () => {
    let deliveries = 0;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'slow' }));
    consume(
      async () => {
        deliveries += 1;
        await new Promise((r) => setTimeout(r, 3_500));
      },
      { visibilityTimeoutSeconds: 2 },
    );
    await eventually(async () => (deliveries > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 4_000));
    expect(deliveries).toBe(1);
    await eventually(async () => ((await visibleCount(queueUrl)) === 0 ? true : undefined));
  });

  it('when a handler asks to retry later, then the message comes back after that delay, not before', async () => {
    const times: number[] = [];
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'later' }));
    consume(async () => {
      times.push(Date.now());
      if (times.length === 1) throw new RetryLater(2);
    });
    await eventually(async () => (times.length === 2 ? true : undefined), 10_000);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1_900);
  });

  it('when the handler keeps failing, then the message is redelivered and lands in the DLQ after maxReceiveCount', async () => {
    const receiveCounts: number[] = [];
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'poison' }));
    consume(
      async (m) => {
        receiveCounts.push(m.receiveCount);
        throw new Error('cannot handle this');
      },
      { retryDelaySeconds: () => 0 },
    );
    const dead = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }),
      );
      return Messages?.[0];
    }, 30_000);
    expect(dead.Body).toBe('poison');
    expect(receiveCounts).toEqual(Array.from({ length: MAX_RECEIVE_COUNT }, (_, i) => i + 1));
  });

  it('when the last attempt fails, then the message goes to the DLQ at once, not after another backoff', async () => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'last try' }));
    consume(
      async () => {
        throw new Error('still failing');
      },
      // The last attempt's backoff would hide the message 10 minutes.
      { retryDelaySeconds: (receiveCount) => (receiveCount < MAX_RECEIVE_COUNT ? 0 : 600) },
    );
    const dead = await eventually(async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 1 }),
      );
      return Messages?.[0];
    }, 30_000);
    expect(dead.Body).toBe('last try');
  });

  it('when stopped with work in flight, then it finishes that work and deletes its message before resolving', async () => {
    let finished = false;
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'in-flight' }));
    let started = false;
    const consumer = consume(async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 500));
      finished = true;
    });
    await eventually(async () => (started ? true : undefined));
    await consumer.stop();
    expect(finished).toBe(true);
    expect(await visibleCount(queueUrl)).toBe(0);
  });

  it('when the queue’s maxReceiveCount changes, then a running reader sees it within minutes, without a restart', async () => {
    let now = 0;
    const maxReceiveCount = redrivePolicyReader(sqs, queueUrl, () => now);
    const before = await maxReceiveCount();

    await setMaxReceiveCount(sqs, queueUrl, before! + 7);
    now += 60_000;
    expect(await maxReceiveCount()).toBe(before);
    now += 4 * 60_000;
    expect(await maxReceiveCount()).toBe(before! + 7);
    await setMaxReceiveCount(sqs, queueUrl, before!);
  });
});
