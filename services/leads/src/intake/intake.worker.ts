import { LeadReceivedSchema, type DeliveredEvent, type LeadReceived } from '@leadflow/contracts';
import {
  assertValid,
  enterTenant,
  QueueConsumer,
  RetryLater,
  type Logger,
  type QueueMessage,
} from '@leadflow/core';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { IntakeService } from './intake.service';

export interface IntakeWorkerOptions {
  sqs: SQSClient;
  queueUrl: string;
  intake: IntakeService;
  logger: Logger;
  concurrency: number;
  visibilityTimeoutSeconds: number;
  waitTimeSeconds?: number;
  retryBaseSeconds: number;
}

/** A message that can never be handled: it fails every time and ends in the DLQ. */
function parse(message: QueueMessage): LeadReceived {
  const event = JSON.parse(message.body) as DeliveredEvent<unknown>;
  if (event['detail-type'] !== 'lead.received')
    throw new Error(`unexpected detail-type ${String(event['detail-type'])}`);
  return assertValid<LeadReceived>(LeadReceivedSchema, event.detail, {
    prefix: 'detail',
    message: 'lead.received does not match its schema',
  });
}

/** Seconds a failed message stays away before its next receive: base × 2^(receive − 1), ≤ 300. */
export const intakeRetryDelay =
  (baseSeconds: number) =>
  (receiveCount: number): number =>
    Math.min(300, baseSeconds * 2 ** (receiveCount - 1));

/**
 * The event of a message, or RetryLater(0) for one that can never be read: its receives then
 * follow each other at once, and it reaches the DLQ in seconds. Other failures (an AWS outage)
 * back off, so that a lead waits through minutes of outage before it is dead-lettered.
 */
function unparsedToDeadLetters(message: QueueMessage, logger: Logger): LeadReceived {
  try {
    return parse(message);
  } catch (error) {
    logger.warn(
      { err: error, messageId: message.messageId, receiveCount: message.receiveCount },
      'not a valid lead.received; it goes to the DLQ',
    );
    throw new RetryLater(0, 'not a valid lead.received');
  }
}

export function intakeWorker(options: IntakeWorkerOptions): QueueConsumer {
  return new QueueConsumer({
    name: 'lead-intake',
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    logger: options.logger,
    concurrency: options.concurrency,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    ...(options.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds }),
    retryDelaySeconds: intakeRetryDelay(options.retryBaseSeconds),
    handleMessage: async (message) => {
      const event = unparsedToDeadLetters(message, options.logger);
      enterTenant(event.tenantId);
      const outcome = await options.intake.takeIn(event);
      options.logger.info(
        { leadId: event.leadId, outcome, receiveCount: message.receiveCount },
        'lead taken in',
      );
    },
  });
}
