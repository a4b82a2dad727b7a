import { createHash } from 'node:crypto';
import { ulid } from 'ulid';
import { envelope, type DetailType, type LeadChanged, type LeadRemoved } from '@leadflow/contracts';
import { leadPartition, snapshotOf, type LeadRecord } from '../leads/lead.record';

/** An event waiting in the leads table to be published; written in the same transaction as its change. */
export interface OutboxItem {
  PK: string;
  SK: string;
  tenantId: string;
  leadId: string;
  version: number;
  detailType: DetailType;
  detail: LeadChanged | LeadRemoved;
  createdAt: string;
}

export const OUTBOX_SK_PREFIX = 'EV#';

/** An event EventBridge can never accept, kept under its lead with why (see the relay). */
export interface ParkedEvent extends OutboxItem {
  errorCode: string;
  reason: string;
  parkedAt: string;
}

export const PARKED_SK_PREFIX = 'PARKED#';

/** Where an outbox item is parked: under its lead, with the same ULID, so parking it again rewrites it. */
export const parkedKey = (item: OutboxItem) => ({
  PK: leadPartition(item.tenantId, item.leadId),
  SK: `${PARKED_SK_PREFIX}${item.SK.slice(OUTBOX_SK_PREFIX.length)}`,
});

/** A lead's events always land in the same shard, so one relay publishes them in order. */
export function shardOf(leadId: string, shards: number): number {
  return createHash('sha1').update(leadId).digest().readUInt32BE(0) % shards;
}

export const shardPartition = (shard: number) => `OUTBOX#${shard}`;

/** The events that carry a lead's data, which must not go out once the lead is erased. */
export const LEAD_DATA_EVENTS = ['lead.created', 'lead.updated'] as const;

export const carriesLeadData = (item: OutboxItem): boolean =>
  (LEAD_DATA_EVENTS as readonly string[]).includes(item.detailType);

export class Outbox {
  constructor(readonly shards: number) {}

  /** The outbox partition a lead's events wait in. */
  partitionOf(leadId: string): string {
    return shardPartition(shardOf(leadId, this.shards));
  }

  changed(
    lead: LeadRecord,
    detailType: (typeof LEAD_DATA_EVENTS)[number],
    changedFields: string[],
  ): OutboxItem {
    const detail: LeadChanged = {
      ...envelope(lead.tenantId),
      leadId: lead.leadId,
      version: lead.version,
      changedFields,
      lead: snapshotOf(lead),
    };
    return this.item(lead, detailType, detail);
  }

  removed(lead: LeadRecord, detailType: 'lead.deleted' | 'lead.erased'): OutboxItem {
    const detail: LeadRemoved = {
      ...envelope(lead.tenantId),
      leadId: lead.leadId,
      version: lead.version,
    };
    return this.item(lead, detailType, detail);
  }

  private item(
    lead: LeadRecord,
    detailType: DetailType,
    detail: LeadChanged | LeadRemoved,
  ): OutboxItem {
    return {
      PK: this.partitionOf(lead.leadId),
      SK: `${OUTBOX_SK_PREFIX}${ulid()}`,
      tenantId: lead.tenantId,
      leadId: lead.leadId,
      version: lead.version,
      detailType,
      detail,
      createdAt: new Date().toISOString(),
    };
  }
}
