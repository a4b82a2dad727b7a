import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { emulatorEndpoint, TEST_REGION, uniquePrefix } from '@leadflow/testing';
import { bootstrap, manifest, type LocalResources } from '../src';

const clientOptions = () => ({
  region: TEST_REGION,
  endpoint: emulatorEndpoint(),
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});

describe('bootstrap from the resource manifest', () => {
  let resources: LocalResources;
  const dynamodb = new DynamoDBClient(clientOptions());
  const sqs = new SQSClient(clientOptions());
  const eventBridge = new EventBridgeClient(clientOptions());

  beforeAll(async () => {
    resources = await bootstrap({
      endpoint: emulatorEndpoint(),
      region: TEST_REGION,
      prefix: uniquePrefix(),
    });
  });
  afterAll(() => [dynamodb, sqs, eventBridge].forEach((c) => c.destroy()));

  async function receiveAll(queueUrl: string, waitSeconds = 1) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitSeconds,
      }),
    );
    return (result.Messages ?? []).map(
      (m) =>
        JSON.parse(m.Body!) as {
          'detail-type': string;
          source: string;
          detail: Record<string, unknown>;
        },
    );
  }

  it('when it runs again, then nothing changes and nothing fails', async () => {
    const again = await bootstrap({
      endpoint: resources.endpoint,
      region: resources.region,
      prefix: resources.prefix,
    });
    expect(again).toEqual(resources);
  });

  it.each(Object.entries(manifest.tables))(
    'when the %s table is described, then its keys, GSIs and TTL are the manifest’s',
    async (logical, spec) => {
      const { Table } = await dynamodb.send(
        new DescribeTableCommand({
          TableName: resources.tables[logical as keyof typeof resources.tables],
        }),
      );
      expect(Table?.KeySchema).toEqual([
        { AttributeName: spec.hashKey, KeyType: 'HASH' },
        { AttributeName: spec.rangeKey, KeyType: 'RANGE' },
      ]);
      expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(
        spec.globalSecondaryIndexes.map((i) => i.name).sort(),
      );
      const ttl = await dynamodb.send(
        new DescribeTimeToLiveCommand({ TableName: Table!.TableName! }),
      );
      expect(ttl.TimeToLiveDescription?.AttributeName).toBe(spec.ttlAttribute ?? undefined);
    },
  );

  it.each(Object.entries(manifest.queues))(
    'when the %s queue is described, then it redrives to its DLQ after maxReceiveCount',
    async (logical, spec) => {
      const queue = resources.queues[logical as keyof typeof resources.queues];
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }),
      );
      expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({
        deadLetterTargetArn:
          resources.deadLetterQueues[logical as keyof typeof resources.deadLetterQueues].arn,
        maxReceiveCount: spec.maxReceiveCount,
      });
      expect(Number(Attributes!.VisibilityTimeout)).toBe(spec.visibilityTimeoutSeconds);
    },
  );

  it('when lead.received is put on the bus, then it arrives in lead-intake through the rule, and nowhere else', async () => {
    const detail = {
      eventId: '01JDQ0000000000000000000AA',
      tenantId: 't1',
      occurredAt: new Date().toISOString(),
      schemaVersion: 1,
      leadId: 'L1',
    };
    const put = await eventBridge.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: resources.busName,
            Source: 'leadflow.ingestion',
            DetailType: 'lead.received',
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    const delivered = await receiveAll(resources.queues['lead-intake'].url);
    expect(delivered).toEqual([
      expect.objectContaining({
        'detail-type': 'lead.received',
        source: 'leadflow.ingestion',
        detail,
      }),
    ]);
    expect(await receiveAll(resources.queues['crm-sync'].url, 0)).toEqual([]);
  });

  it('when lead changes are put on the bus, then they arrive in crm-sync; events that must not match do not', async () => {
    const entries = [
      ['leadflow.leads', 'lead.created'],
      ['leadflow.leads', 'lead.erased'],
      ['leadflow.leads', 'lead.deleted'],
      ['leadflow.ingestion', 'lead.created'],
      ['leadflow.leads', 'lead.received'],
    ].map(([Source, DetailType]) => ({
      EventBusName: resources.busName,
      Source,
      DetailType,
      Detail: JSON.stringify({ tenantId: 't1' }),
    }));
    await eventBridge.send(new PutEventsCommand({ Entries: entries }));
    const delivered = await receiveAll(resources.queues['crm-sync'].url);
    expect(delivered.map((m) => `${m.source} ${m['detail-type']}`).sort()).toEqual([
      'leadflow.leads lead.created',
      'leadflow.leads lead.deleted',
      'leadflow.leads lead.erased',
    ]);
    expect(await receiveAll(resources.queues['lead-intake'].url, 0)).toEqual([]);
  });
});
