import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantSettings } from '@leadflow/contracts';
import {
  conditionFailureItem,
  isConditionalCheckFailure,
  type DynamoDBDocumentClient,
} from '@leadflow/core';

type Agent = { memberId: string; weight: number };

/**
 * Smooth weighted round-robin (as nginx does it): over one cycle of total weight, each agent
 * gets its weight's share, spread out rather than in runs.
 */
export function weightedCycle(agents: Agent[]): string[] {
  const total = agents.reduce((sum, a) => sum + a.weight, 0);
  const current = agents.map(() => 0);
  const cycle: string[] = [];
  for (let i = 0; i < total; i++) {
    let best = 0;
    agents.forEach((agent, index) => {
      current[index]! += agent.weight;
      if (current[index]! > current[best]!) best = index;
    });
    current[best]! -= total;
    cycle.push(agents[best]!.memberId);
  }
  return cycle;
}

/** How many of the latest turns the counter remembers by lead, at least: a retried intake within them takes its own turn again. */
export const REMEMBERED_TURNS = 50;

/** The counter item's attribute holding a lead's turn. */
const LEAD_TURN = 'LEAD#';

type CounterItem = Record<string, unknown>;

/** Attributes of leads whose turns are older than the latest REMEMBERED_TURNS, once there are twice as many. */
function forgettable(counter: CounterItem): string[] {
  const turns = Object.keys(counter).filter((name) => name.startsWith(LEAD_TURN));
  if (turns.length < 2 * REMEMBERED_TURNS) return [];
  const oldest = Number(counter.turn) - REMEMBERED_TURNS;
  return turns.filter((name) => Number(counter[name]) < oldest);
}

/** Whether someone is a member of the tenant now (the rules may still name a removed one). */
export type IsMember = (tenantId: string, memberId: string) => Promise<boolean>;

/**
 * Who gets a new lead, by the tenant's assignment rules, among its members: a member removed
 * since the rules were saved gets no more leads (the lead stays unassigned, or goes to the
 * next agent).
 */
export class Assigner {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly isMember: IsMember,
  ) {}

  async ownerFor(
    settings: Pick<TenantSettings, 'tenantId' | 'assignment'>,
    lead: { leadId: string; formId?: string },
  ): Promise<string | undefined> {
    const rules = settings.assignment;
    const { tenantId } = settings;
    if (rules.mode === 'form-owner') {
      const owner = lead.formId ? rules.formOwners?.[lead.formId] : undefined;
      return owner && (await this.isMember(tenantId, owner)) ? owner : undefined;
    }
    if (rules.mode !== 'round-robin' || !rules.agents?.length) return undefined;
    const agents = await this.members(tenantId, rules.agents);
    if (agents.length === 0) return undefined;
    const cycle = weightedCycle(agents);
    return cycle[(await this.turnOf(tenantId, lead.leadId)) % cycle.length];
  }

  private async members(tenantId: string, agents: Agent[]): Promise<Agent[]> {
    const member = await Promise.all(agents.map((a) => this.isMember(tenantId, a.memberId)));
    return agents.filter((_, i) => member[i]);
  }

  /**
   * The lead's turn on a counter shared by every task, so turns are fair across the fleet. Taken
   * once per lead: an intake retried after a failure (or an update the SDK sent again after
   * AWS applied it) finds the turn it took instead of taking another, which would skip an agent.
   * One atomic update, so tasks taking turns at once never wait for each other.
   */
  private async turnOf(tenantId: string, leadId: string): Promise<number> {
    const Key = { PK: `TENANT#${tenantId}#ASSIGNMENT`, SK: 'ROUND-ROBIN' };
    try {
      const { Attributes = {} } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key,
          // Every right-hand side reads the item as it was: the lead's turn is the count before.
          UpdateExpression:
            'SET turn = if_not_exists(turn, :zero) + :one, #lead = if_not_exists(turn, :zero)',
          ConditionExpression: 'attribute_not_exists(#lead)',
          ExpressionAttributeNames: { '#lead': `${LEAD_TURN}${leadId}` },
          ExpressionAttributeValues: { ':zero': 0, ':one': 1 },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      await this.forget(Key, forgettable(Attributes));
      return Number(Attributes[`${LEAD_TURN}${leadId}`]);
    } catch (error) {
      if (!isConditionalCheckFailure(error)) throw error;
      return Number(conditionFailureItem(error)?.[`${LEAD_TURN}${leadId}`]);
    }
  }

  private async forget(Key: Record<string, string>, attributes: string[]): Promise<void> {
    if (attributes.length === 0) return;
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key,
        UpdateExpression: `REMOVE ${attributes.map((_, i) => `#old${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(
          attributes.map((name, i) => [`#old${i}`, name]),
        ),
      }),
    );
  }
}
