import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  createAwsClients,
  documentClient,
  newId,
  type DynamoDBDocumentClient,
} from '@leadflow/core';
import { createTestStack, type TestStack } from '@leadflow/testing';
import { Assigner, REMEMBERED_TURNS } from '../src/intake/assignment';

const HEAVY = 'member-heavy';
const LIGHT = 'member-light';

describe('round-robin assignment: one turn per lead, shared by every task', () => {
  let stack: TestStack;
  let aws: ReturnType<typeof createAwsClients>;
  let db: DynamoDBDocumentClient;

  beforeAll(async () => {
    stack = await createTestStack();
    aws = createAwsClients({ region: stack.resources.region, endpoint: stack.resources.endpoint });
    db = documentClient(aws.dynamodb);
  });
  afterAll(() => aws.destroy());

  const settings = (tenantId: string) => ({
    tenantId,
    assignment: {
      mode: 'round-robin' as const,
      agents: [
        { memberId: HEAVY, weight: 2 },
        { memberId: LIGHT, weight: 1 },
      ],
    },
  });
  /** Members of every tenant here, but for the ones removed. */
  const removed = new Set<string>();
  const assigner = (client: DynamoDBDocumentClient = db) =>
    new Assigner(
      client,
      stack.resources.tables.leads,
      async (_tenant, memberId) => !removed.has(memberId),
    );
  const leads = (count: number) => Array.from({ length: count }, () => ({ leadId: newId() }));

  /**
   * DynamoDB as on a day its answer to an update is lost: the update is applied, and the SDK,
   * having heard nothing, sends it again.
   */
  function updatesSentTwice(): DynamoDBDocumentClient {
    return new Proxy(db, {
      get(target, property, receiver) {
        if (property !== 'send') return Reflect.get(target, property, receiver);
        return async (command: Parameters<DynamoDBDocumentClient['send']>[0]) => {
          if (command instanceof UpdateCommand) await target.send(command).catch(() => undefined);
          return target.send(command);
        };
      },
    });
  }

  it('when leads arrive one by one, then agents take their turns in proportion to their weights', async () => {
    const tenant = `rr-${newId()}`;
    const owners = [];
    for (const lead of leads(6)) owners.push(await assigner().ownerFor(settings(tenant), lead));
    expect(owners).toEqual([HEAVY, LIGHT, HEAVY, HEAVY, LIGHT, HEAVY]);
  });

  it('when an agent of the rules is no longer a member, then the others take every turn, and a removed form owner gets no lead', async () => {
    const tenant = `rr-${newId()}`;
    const formOwner = {
      tenantId: tenant,
      assignment: { mode: 'form-owner' as const, formOwners: { FORM1: LIGHT } },
    };
    removed.add(LIGHT);
    try {
      const owners = [];
      for (const lead of leads(3)) owners.push(await assigner().ownerFor(settings(tenant), lead));
      expect(owners).toEqual([HEAVY, HEAVY, HEAVY]);
      expect(await assigner().ownerFor(formOwner, { leadId: newId(), formId: 'FORM1' })).toBe(
        undefined,
      );
    } finally {
      removed.delete(LIGHT);
    }
  });

  it('when an intake is retried, then its lead gets the turn it took, and the next lead the next turn', async () => {
    const tenant = `rr-${newId()}`;
    const [first, second, third, fourth] = leads(4);
    const owners = [];
    for (const lead of [first, second, second, third, fourth])
      owners.push(await assigner().ownerFor(settings(tenant), lead!));
    expect(owners).toEqual([HEAVY, LIGHT, LIGHT, HEAVY, HEAVY]);
  });

  it('when DynamoDB applied an update whose answer was lost and the SDK sent it again, then no turn is skipped', async () => {
    const tenant = `rr-${newId()}`;
    const owners = [];
    for (const lead of leads(6))
      owners.push(await assigner(updatesSentTwice()).ownerFor(settings(tenant), lead));
    expect(owners).toEqual([HEAVY, LIGHT, HEAVY, HEAVY, LIGHT, HEAVY]);
  });

  it('when two tasks assign leads at the same time, then every lead gets a turn of its own', async () => {
    const tenant = `rr-${newId()}`;
    const tasks = [assigner(), assigner()];
    const owners = await Promise.all(
      leads(12).map((lead, index) => tasks[index % 2]!.ownerFor(settings(tenant), lead)),
    );
    expect(owners.filter((o) => o === HEAVY)).toHaveLength(8);
    expect(owners.filter((o) => o === LIGHT)).toHaveLength(4);
  });

  it('when a lead took its turn long ago, then the counter has forgotten it and stays small', async () => {
    const tenant = `rr-${newId()}`;
    const [first, ...later] = leads(2 * REMEMBERED_TURNS);
    await assigner().ownerFor(settings(tenant), first!);
    for (const lead of later) await assigner().ownerFor(settings(tenant), lead);
    // Turn 0 went to `first`, and was forgotten at turn 100: a retry now takes turn 100.
    expect(await assigner().ownerFor(settings(tenant), first!)).toBe(
      [HEAVY, LIGHT, HEAVY][(2 * REMEMBERED_TURNS) % 3],
    );
    const { Item = {} } = await db.send(
      new GetCommand({
        TableName: stack.resources.tables.leads,
        Key: { PK: `TENANT#${tenant}#ASSIGNMENT`, SK: 'ROUND-ROBIN' },
      }),
    );
    const remembered = Object.keys(Item).filter((name) => name.startsWith('LEAD#'));
    expect(remembered.length).toBeGreaterThanOrEqual(REMEMBERED_TURNS);
    expect(remembered.length).toBeLessThan(2 * REMEMBERED_TURNS);
  });
});
