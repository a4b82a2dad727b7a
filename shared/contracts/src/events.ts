import { Type, type Static, type TObject } from '@sinclair/typebox';
import { named, newId, ULID_PATTERN } from '@leadflow/core';
import {
  CustomValuesSchema,
  LeadContextSchema,
  LeadFieldsSchema,
  LeadSourceSchema,
} from './lead-fields';

/** Every event on the bus `leadflow` carries these; consumers are idempotent on eventId. */
const Envelope = {
  eventId: Type.String({ pattern: ULID_PATTERN, description: 'ULID' }),
  tenantId: Type.String({ minLength: 1, maxLength: 64 }),
  occurredAt: Type.String({ format: 'date-time' }),
  schemaVersion: Type.Literal(1),
};

export const DETAIL_TYPES = [
  'lead.received',
  'lead.created',
  'lead.updated',
  'lead.deleted',
  'lead.erased',
  'tenant.config.updated',
] as const;
export type DetailType = (typeof DETAIL_TYPES)[number];

export const EVENT_SOURCES = {
  ingestion: 'leadflow.ingestion',
  leads: 'leadflow.leads',
  tenantConfig: 'leadflow.tenant-config',
} as const;

export const LeadReceivedSchema = named(
  'LeadReceivedEvent',
  Type.Object(
    {
      ...Envelope,
      leadId: Type.String({ pattern: ULID_PATTERN }),
      source: LeadSourceSchema,
      formId: Type.Optional(Type.String({ maxLength: 40 })),
      fields: LeadFieldsSchema,
      custom: CustomValuesSchema,
      context: LeadContextSchema,
      isTest: Type.Boolean(),
      externalId: Type.Optional(
        Type.String({
          maxLength: 200,
          description: 'The id the sender gave the lead (Google Ads lead_id, a partner id).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);
export type LeadReceived = Static<typeof LeadReceivedSchema>;

export const LEAD_STATUS_PATTERN = '^[a-z][a-z0-9_-]{0,39}$';

/** What crm-sync and other consumers see of a lead after every change. */
export const LeadSnapshotSchema = named(
  'LeadSnapshot',
  Type.Object(
    {
      id: Type.String(),
      status: Type.String({ pattern: LEAD_STATUS_PATTERN }),
      ownerId: Type.Optional(Type.String()),
      formId: Type.Optional(Type.String()),
      source: LeadSourceSchema,
      fields: LeadFieldsSchema,
      custom: CustomValuesSchema,
      isTest: Type.Boolean(),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
      version: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
);
export type LeadSnapshot = Static<typeof LeadSnapshotSchema>;

export const LeadChangedSchema = named(
  'LeadChangedEvent',
  Type.Object(
    {
      ...Envelope,
      leadId: Type.String(),
      version: Type.Integer({
        minimum: 1,
        description: 'The lead version this event describes; consumers ignore older ones.',
      }),
      changedFields: Type.Array(Type.String()),
      lead: LeadSnapshotSchema,
    },
    { additionalProperties: false },
  ),
);
export type LeadChanged = Static<typeof LeadChangedSchema>;

export const LeadRemovedSchema = named(
  'LeadRemovedEvent',
  Type.Object(
    {
      ...Envelope,
      leadId: Type.String(),
      version: Type.Integer({ minimum: 1 }),
    },
    { additionalProperties: false },
  ),
);
export type LeadRemoved = Static<typeof LeadRemovedSchema>;

export const TenantConfigUpdatedSchema = named(
  'TenantConfigUpdatedEvent',
  Type.Object(
    {
      ...Envelope,
      resource: Type.Union([
        Type.Literal('tenant'),
        Type.Literal('form'),
        Type.Literal('crm-connection'),
        Type.Literal('api-key'),
        Type.Literal('member'),
      ]),
      resourceId: Type.String(),
      version: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
);
export type TenantConfigUpdated = Static<typeof TenantConfigUpdatedSchema>;

export const EVENT_SCHEMAS: Record<DetailType, TObject> = {
  'lead.received': LeadReceivedSchema,
  'lead.created': LeadChangedSchema,
  'lead.updated': LeadChangedSchema,
  'lead.deleted': LeadRemovedSchema,
  'lead.erased': LeadRemovedSchema,
  'tenant.config.updated': TenantConfigUpdatedSchema,
};

/** The common part of a new event's detail. */
export function envelope(tenantId: string, now = new Date()) {
  return {
    eventId: newId(now.getTime()),
    tenantId,
    occurredAt: now.toISOString(),
    schemaVersion: 1 as const,
  };
}

/** How an event arrives from EventBridge through an SQS target. */
export interface DeliveredEvent<D> {
  id: string;
  source: string;
  'detail-type': DetailType;
  time: string;
  detail: D;
}
