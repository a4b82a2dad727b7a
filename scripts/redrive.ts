/**
 * `make redrive QUEUE=crm-sync|lead-intake` (or `npx tsx scripts/redrive.ts <queue> [max]`):
 * moves the messages of a dead-letter queue back to its queue.
 *
 * Locally (the default) the queues are found by their manifest names in the emulator at
 * LOCAL_AWS_ENDPOINT. In AWS, set both URLs of the queue (e.g. CRM_SYNC_QUEUE_URL and
 * CRM_SYNC_DLQ_URL, as the task definitions do) and the usual AWS credentials and region.
 */
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { redriveMessages } from '@leadflow/core';
import { manifest, type QueueName } from '@leadflow/resources';
import { withoutWaitingSince } from '../services/crm-sync/src/sync/sync-event';
import { LOCAL_AWS_ENDPOINT, LOCAL_REGION } from './demo-data';

const URL_VARIABLES: Record<QueueName, { queue: string; dlq: string }> = {
  'lead-intake': { queue: 'LEAD_INTAKE_QUEUE_URL', dlq: 'LEAD_INTAKE_DLQ_URL' },
  'crm-sync': { queue: 'CRM_SYNC_QUEUE_URL', dlq: 'CRM_SYNC_DLQ_URL' },
};

/** What a queue's consumer recorded in a body during its time in the queue starts afresh. */
const RESENT_BODY: Partial<Record<QueueName, (body: string) => string>> = {
  'crm-sync': withoutWaitingSince,
};

function isQueueName(name: string | undefined): name is QueueName {
  return name !== undefined && Object.hasOwn(manifest.queues, name);
}

interface Target {
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  where: string;
}

async function resolve(queue: QueueName): Promise<Target> {
  const variables = URL_VARIABLES[queue];
  const queueUrl = process.env[variables.queue];
  const dlqUrl = process.env[variables.dlq];
  if (queueUrl && dlqUrl) {
    // AWS: region and credentials from the standard chain.
    return { sqs: new SQSClient({}), queueUrl, dlqUrl, where: 'the queues named by the env' };
  }
  if (queueUrl || dlqUrl)
    throw new Error(`set both ${variables.queue} and ${variables.dlq}, or neither (local AWS)`);
  const sqs = new SQSClient({
    region: LOCAL_REGION,
    endpoint: LOCAL_AWS_ENDPOINT,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  const urlOf = async (name: string) => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    if (!QueueUrl) throw new Error(`no queue ${name} in ${LOCAL_AWS_ENDPOINT}`);
    return QueueUrl;
  };
  return {
    sqs,
    queueUrl: await urlOf(queue),
    dlqUrl: await urlOf(manifest.queues[queue].deadLetterQueue),
    where: `local AWS at ${LOCAL_AWS_ENDPOINT}`,
  };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const [queue, max] = process.argv.slice(2);
  if (!isQueueName(queue)) {
    throw new Error(
      `usage: make redrive QUEUE=<${Object.keys(manifest.queues).join('|')}> (got ${queue ?? 'nothing'})`,
    );
  }
  const maxMessages = max ? Number(max) : undefined;
  if (maxMessages !== undefined && !(Number.isInteger(maxMessages) && maxMessages > 0))
    throw new Error(`the maximum must be a positive integer (got ${max})`);
  const target = await resolve(queue);
  console.log(`moving ${queue}'s dead letters back to ${queue} (${target.where})`);
  const result = await redriveMessages({
    sqs: target.sqs,
    fromQueueUrl: target.dlqUrl,
    toQueueUrl: target.queueUrl,
    ...(maxMessages ? { maxMessages } : {}),
    ...(RESENT_BODY[queue] ? { resentBody: RESENT_BODY[queue] } : {}),
  });
  console.log(`moved ${result.moved}; ${result.failed} could not be moved and stay in the DLQ`);
  target.sqs.destroy();
  if (result.failed > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
