import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TenantSettings } from '@leadflow/contracts';
import type { DynamoDBDocumentClient } from '@leadflow/core';

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

/** Who gets a new lead, by the tenant's assignment rules. */
export class Assigner {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async ownerFor(
    settings: TenantSettings,
    formId: string | undefined,
  ): Promise<string | undefined> {
    const rules = settings.assignment;
    if (rules.mode === 'form-owner') return formId ? rules.formOwners?.[formId] : undefined;
    if (rules.mode !== 'round-robin' || !rules.agents?.length) return undefined;
    const cycle = weightedCycle(rules.agents);
    return cycle[(await this.nextTurn(settings.tenantId)) % cycle.length];
  }

  /** A counter shared by every task, so turns are fair across the fleet. */
  private async nextTurn(tenantId: string): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: `TENANT#${tenantId}#ASSIGNMENT`, SK: 'ROUND-ROBIN' },
        UpdateExpression: 'ADD turn :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.turn ?? 1) - 1;
  }
}
