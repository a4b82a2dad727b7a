import { withoutKeys } from '@leadflow/core';
import type {
  ConsentRecord,
  CustomValues,
  LeadContext,
  LeadFields,
  LeadSnapshot,
  LeadSource,
} from '@leadflow/contracts';

/** A lead as stored: the LEAD# item of the leads table, keys aside. */
export interface LeadRecord {
  leadId: string;
  tenantId: string;
  status: string;
  ownerId?: string;
  formId?: string;
  source: LeadSource;
  fields: LeadFields;
  custom: CustomValues;
  consents: ConsentRecord[];
  context?: Omit<LeadContext, 'consents'>;
  isTest: boolean;
  externalId?: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
  erasedAt?: string;
  /**
   * The de-duplication key this lead holds, as it was claimed. Kept because the tenant's rules
   * may change: the claim is released by what was claimed, not by what the rules make of the
   * e-mail now. Internal: never in an answer or an event.
   */
  emailClaim?: string;
}

export const UNASSIGNED = 'unassigned';

/** Everything a lead item needs besides its data: table keys, index keys, search keys. */
export function leadItem(lead: LeadRecord): Record<string, unknown> {
  const t = `TENANT#${lead.tenantId}`;
  const sk = `LEAD#${lead.leadId}`;
  const item: Record<string, unknown> = {
    PK: t,
    SK: sk,
    ...lead,
    GSI2PK: `${t}#STATUS#${lead.status}`,
    GSI2SK: sk,
    GSI3PK: `${t}#OWNER#${lead.ownerId ?? UNASSIGNED}`,
    GSI3SK: sk,
    ...searchKeys(lead.fields),
  };
  if (lead.fields.email) {
    item.GSI1PK = `${t}#EMAIL#${lead.fields.email}`;
    item.GSI1SK = sk;
  }
  return item;
}

/** Lower-cased prefixes `q` is matched against: full name, last name, company. */
export function searchKeys(fields: LeadFields): Record<string, string> {
  const keys: Record<string, string> = {};
  const name = [fields.firstName, fields.lastName].filter(Boolean).join(' ').toLowerCase();
  if (name) keys.searchName = name;
  if (fields.lastName) keys.searchLast = fields.lastName.toLowerCase();
  if (fields.company) keys.searchCompany = fields.company.toLowerCase();
  return keys;
}

export function fromItem(item: Record<string, unknown>): LeadRecord {
  const {
    GSI1PK: _g1pk,
    GSI1SK: _g1sk,
    GSI2PK: _g2pk,
    GSI2SK: _g2sk,
    GSI3PK: _g3pk,
    GSI3SK: _g3sk,
    searchName: _name,
    searchLast: _last,
    searchCompany: _company,
    ...record
  } = item;
  return withoutKeys<LeadRecord>(record);
}

/** What consumers of lead events see. */
export function snapshotOf(lead: LeadRecord): LeadSnapshot {
  return {
    id: lead.leadId,
    status: lead.status,
    source: lead.source,
    fields: lead.fields,
    custom: lead.custom,
    isTest: lead.isTest,
    createdAt: lead.createdAt,
    updatedAt: lead.updatedAt,
    version: lead.version,
    ...(lead.ownerId ? { ownerId: lead.ownerId } : {}),
    ...(lead.formId ? { formId: lead.formId } : {}),
  };
}

/** The key of the lead item itself. */
export const leadKey = (tenantId: string, leadId: string) => ({
  PK: `TENANT#${tenantId}`,
  SK: `LEAD#${leadId}`,
});

export const leadPartition = (tenantId: string, leadId: string) =>
  `TENANT#${tenantId}#LEAD#${leadId}`;
