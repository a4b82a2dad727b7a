/** Items of the leads table that more than one service touches. */
export type SyncState = 'pending' | 'synced' | 'failed';

/** Written by crm-sync, shown by the leads API: one per lead and CRM connection. */
export interface SyncStatusItem {
  connectionId: string;
  crmType: string;
  state: SyncState;
  externalId?: string;
  lastAttemptAt: string;
  lastError?: string;
  /** The lead version this state describes; an older message never overwrites a newer one. */
  leadVersion: number;
  /** The newest lead version the CRM got (0: none); absent on statuses written before it was kept. */
  syncedVersion?: number;
  /** This version cannot reach the CRM as it is (its data was refused): not sent again; the next is. */
  refused?: true;
}

export const leadKeys = {
  partition: (tenantId: string) => `TENANT#${tenantId}`,
  lead: (tenantId: string, leadId: string) => ({ PK: `TENANT#${tenantId}`, SK: `LEAD#${leadId}` }),
  /** Everything under one lead (raw submission, notes, activities, sync status) shares this partition. */
  leadPartition: (tenantId: string, leadId: string) => `TENANT#${tenantId}#LEAD#${leadId}`,
  syncStatus: (tenantId: string, leadId: string, connectionId: string) => ({
    PK: `TENANT#${tenantId}#LEAD#${leadId}`,
    SK: `SYNC#${connectionId}`,
  }),
};
