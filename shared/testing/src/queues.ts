import {
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';

/** Changes how many receives a queue's redrive policy allows before its DLQ. */
export async function setMaxReceiveCount(
  sqs: SQSClient,
  queueUrl: string,
  maxReceiveCount: number,
): Promise<void> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
  );
  const policy = JSON.parse(Attributes?.RedrivePolicy ?? '{}') as Record<string, unknown>;
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queueUrl,
      Attributes: { RedrivePolicy: JSON.stringify({ ...policy, maxReceiveCount }) },
    }),
  );
}
