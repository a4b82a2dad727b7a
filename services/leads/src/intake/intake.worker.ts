import { LeadReceivedSchema, type DeliveredEvent, type LeadReceived } from '@leadflow/contracts';
import {
  assertValid,
  enterTenant,
  QueueConsumer,
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

export function intakeWorker(options: IntakeWorkerOptions): QueueConsumer {
  return new QueueConsumer({
    name: 'lead-intake',
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    logger: options.logger,
    concurrency: options.concurrency,
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds,
    ...(options.waitTimeSeconds === undefined ? {} : { waitTimeSeconds: options.waitTimeSeconds }),
    retryDelaySeconds: (receiveCount) =>
      Math.min(300, options.retryBaseSeconds * 2 ** (receiveCount - 1)),
    handleMessage: async (message) => {
      const event = parse(message);
      enterTenant(event.tenantId);
      const outcome = await options.intake.takeIn(event);
      options.logger.info(
        { leadId: event.leadId, outcome, receiveCount: message.receiveCount },
        'lead taken in',
      );
    },
  });
}
