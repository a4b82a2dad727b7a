import { redriveMessages, route, type BoundRoute } from '@leadflow/core';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { withoutWaitingSince } from '../sync/sync-event';
import { redriveOperation } from './redrive.schema';

export interface RedriveDeps {
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string;
}

export function redriveRoutes(deps: RedriveDeps): BoundRoute[] {
  return [
    route(redriveOperation, async ({ body }) => {
      const result = await redriveMessages({
        sqs: deps.sqs,
        fromQueueUrl: deps.dlqUrl,
        toQueueUrl: deps.queueUrl,
        maxMessages: body.maxMessages ?? 1_000,
        resentBody: withoutWaitingSince,
      });
      return { status: 200, body: result };
    }),
  ];
}
