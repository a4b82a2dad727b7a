import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  awsSettingsFromEnv,
  createAwsClients,
  type AwsClients,
  type runService,
} from '@leadflow/core';
import { blackHole, eventually, type BlackHole } from '@leadflow/testing';

// main.ts is a single runService call: taking its arguments shows what the service asks for
// without listening on a port or reading the environment.
const mockRunService = jest.fn<unknown, Parameters<typeof runService>>();
jest.mock('@leadflow/core', () => ({
  ...jest.requireActual('@leadflow/core'),
  runService: (...args: Parameters<typeof runService>) => mockRunService(...args),
}));

describe('ingestion’s AWS clients, as main.ts has runService build them', () => {
  let hole: BlackHole;
  let aws: AwsClients;

  beforeAll(async () => {
    hole = await blackHole();
    await import('../src/main');
    const call = mockRunService.mock.calls[0];
    if (!call) throw new Error('main.ts did not call runService');
    const [, , , settings] = call;
    // As runService builds them: the environment’s region and endpoint, then the service’s own.
    aws = createAwsClients({
      ...awsSettingsFromEnv({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: hole.endpoint }),
      ...settings,
    });
  });
  afterAll(async () => {
    aws.destroy();
    await hole.close();
  });

  /** How long each connection since the `from`th was open, once the client closed them all. */
  const attemptDurations = (from: number) =>
    eventually(async () => {
      const attempts = hole.connections.slice(from);
      return attempts.every((c) => c.closedAt !== undefined)
        ? attempts.map((c) => c.closedAt! - c.openedAt)
        : undefined;
    }, 5_000);

  it('when DynamoDB never answers, then each of the SDK’s 3 attempts is given up on after about a second, not 5', async () => {
    const from = hole.connections.length;
    const started = Date.now();
    await expect(
      aws.dynamodb.send(
        new GetItemCommand({
          TableName: 'tenants',
          Key: { PK: { S: 'TENANT#alpha' }, SK: { S: 'TENANT' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    const elapsed = Date.now() - started;
    const durations = await attemptDurations(from);
    expect(durations).toHaveLength(3);
    for (const ms of durations) {
      expect(ms).toBeGreaterThan(500);
      expect(ms).toBeLessThan(3_000);
    }
    expect(elapsed).toBeLessThan(15_000);
  });

  it('when EventBridge never answers, then its one PutEvents attempt is given up on after about a second, not 5', async () => {
    const from = hole.connections.length;
    await expect(
      aws.eventBridge.send(
        new PutEventsCommand({
          Entries: [{ Source: 'leadflow.ingestion', DetailType: 'lead.received', Detail: '{}' }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    const durations = await attemptDurations(from);
    expect(durations).toHaveLength(1);
    expect(durations[0]).toBeGreaterThan(500);
    expect(durations[0]).toBeLessThan(3_000);
  });
});
