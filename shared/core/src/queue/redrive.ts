import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type Message,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';

export interface RedriveOptions {
  sqs: SQSClient;
  /** The dead-letter queue. */
  fromQueueUrl: string;
  /** The queue its messages came from. */
  toQueueUrl: string;
  /** Stop after this many; everything by default. */
  maxMessages?: number;
  /** How long a received message stays hidden while it is moved; it reappears if the move fails. */
  visibilityTimeoutSeconds?: number;
  /**
   * The body a moved message is sent with: the same by default. A queue whose messages record
   * their past in the body (crm-sync's rate-limit wait) starts them afresh here.
   */
  resentBody?: (body: string) => string;
}

export interface RedriveResult {
  /** Sent to the target and deleted from the dead-letter queue. */
  moved: number;
  /** Not sent (or sent but not deleted): still in the dead-letter queue, visible again later. */
  failed: number;
}

const BATCH = 10;

/** The same attributes and (unless `resentBody` says otherwise) body; FIFO queues keep their group and deduplication ids. */
function resendEntry(
  message: Message,
  index: number,
  resentBody: (body: string) => string,
): SendMessageBatchRequestEntry {
  const group = message.Attributes?.MessageGroupId;
  const dedupe = message.Attributes?.MessageDeduplicationId;
  return {
    Id: String(index),
    MessageBody: resentBody(message.Body ?? ''),
    ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
      ? { MessageAttributes: message.MessageAttributes }
      : {}),
    ...(group ? { MessageGroupId: group } : {}),
    ...(dedupe ? { MessageDeduplicationId: dedupe } : {}),
  };
}

/**
 * Moves messages from a dead-letter queue back to their queue: receive, re-send with the same
 * body and attributes, and delete only what the target accepted. SQS's StartMessageMoveTask does
 * the same on AWS but not in moto; this works on both. At-least-once: a crash between the send
 * and the delete leaves a copy in both queues, which consumers handle idempotently anyway.
 */
export async function redriveMessages(options: RedriveOptions): Promise<RedriveResult> {
  const max = options.maxMessages ?? Number.POSITIVE_INFINITY;
  const result: RedriveResult = { moved: 0, failed: 0 };
  while (result.moved + result.failed < max) {
    const want = Math.min(BATCH, max - result.moved - result.failed);
    const received = await options.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: options.fromQueueUrl,
        MaxNumberOfMessages: want,
        // Long polling asks every SQS server, so an empty answer means an empty queue.
        WaitTimeSeconds: 1,
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['MessageGroupId', 'MessageDeduplicationId'],
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) break;
    const sent = await options.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: options.toQueueUrl,
        Entries: messages.map((message, index) =>
          resendEntry(message, index, options.resentBody ?? ((body) => body)),
        ),
      }),
    );
    const accepted = new Set((sent.Successful ?? []).map((entry) => entry.Id));
    const toDelete = messages
      .map((message, index) => ({ message, id: String(index) }))
      .filter(({ id }) => accepted.has(id));
    result.failed += messages.length - toDelete.length;
    if (toDelete.length === 0) continue;
    const deleted = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.fromQueueUrl,
        Entries: toDelete.map(({ message, id }) => ({
          Id: id,
          ReceiptHandle: message.ReceiptHandle ?? '',
        })),
      }),
    );
    const notDeleted = deleted.Failed?.length ?? 0;
    result.moved += toDelete.length - notDeleted;
    result.failed += notDeleted;
  }
  return result;
}
