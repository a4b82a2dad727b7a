/**
 * Lead events as the leads service publishes them (source leadflow.leads), checked against the
 * contracts before they go on the bus: a drift in the shapes fails here, not in production.
 * Exported for the end-to-end tests too.
 */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  envelope,
  EVENT_SOURCES,
  LeadChangedSchema,
  LeadRemovedSchema,
  type CustomValues,
  type LeadChanged,
  type LeadFields,
  type LeadRemoved,
} from '@leadflow/contracts';
import { assertValid } from '@leadflow/core';
import { ulid } from 'ulid';

export type LeadEventInput =
  | { detailType: 'lead.created' | 'lead.updated'; detail: LeadChanged }
  | { detailType: 'lead.erased' | 'lead.deleted'; detail: LeadRemoved };

let counter = 0;

/** A new lead (version 1) with plausible fields; `fields`/`custom` override them. */
export function leadCreated(
  tenantId: string,
  options: { fields?: LeadFields; custom?: CustomValues; leadId?: string } = {},
): LeadEventInput & { detailType: 'lead.created' } {
  counter += 1;
  const now = new Date();
  const leadId = options.leadId ?? ulid();
  const fields: LeadFields = options.fields ?? {
    email: `lead${counter}-${leadId.slice(-6).toLowerCase()}@${tenantId}.example.com`,
    firstName: 'Ada',
    lastName: `Lovelace ${counter}`,
    phone: '+4930123456',
    company: 'Analytical Engines Ltd',
    jobTitle: 'Engineer',
    message: 'Please call me back',
  };
  return {
    detailType: 'lead.created',
    detail: {
      ...envelope(tenantId, now),
      leadId,
      version: 1,
      changedFields: ['*'],
      lead: {
        id: leadId,
        status: 'new',
        source: 'form',
        fields,
        custom: options.custom ?? {},
        isTest: false,
        createdAt: now.toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      },
    },
  };
}

/** The next version of a lead: `fields`/`custom` replace keys (undefined removes one). */
export function leadUpdated(
  previous: LeadEventInput & { detail: LeadChanged },
  change: {
    fields?: Partial<Record<keyof LeadFields, string | undefined>>;
    custom?: CustomValues;
    version?: number;
  },
): LeadEventInput & { detailType: 'lead.updated' } {
  const before = previous.detail.lead;
  const now = new Date();
  const version = change.version ?? before.version + 1;
  const fields = { ...before.fields } as Record<string, string | undefined>;
  for (const [key, value] of Object.entries(change.fields ?? {})) {
    if (value === undefined) delete fields[key];
    else fields[key] = value;
  }
  const custom = { ...before.custom, ...change.custom };
  const changedFields = [
    ...Object.keys(change.fields ?? {}),
    ...Object.keys(change.custom ?? {}).map((key) => `custom.${key}`),
  ];
  return {
    detailType: 'lead.updated',
    detail: {
      ...envelope(previous.detail.tenantId, now),
      leadId: before.id,
      version,
      changedFields,
      lead: {
        ...before,
        fields: fields as LeadFields,
        custom,
        updatedAt: now.toISOString(),
        version,
      },
    },
  };
}

export function leadErased(
  tenantId: string,
  leadId: string,
  version: number,
): LeadEventInput & { detailType: 'lead.erased' } {
  return { detailType: 'lead.erased', detail: { ...envelope(tenantId), leadId, version } };
}

/** A soft deletion, as the leads service publishes it. */
export function leadDeleted(
  tenantId: string,
  leadId: string,
  version: number,
): LeadEventInput & { detailType: 'lead.deleted' } {
  return { detailType: 'lead.deleted', detail: { ...envelope(tenantId), leadId, version } };
}

/** Puts lead events on the bus the way the leads service's outbox relay does. */
export async function publishLeadEvents(
  eventBridge: EventBridgeClient,
  busName: string,
  events: readonly LeadEventInput[],
): Promise<void> {
  for (let start = 0; start < events.length; start += 10) {
    const chunk = events.slice(start, start + 10);
    const result = await eventBridge.send(
      new PutEventsCommand({
        Entries: chunk.map((event) => {
          assertValid(
            event.detailType === 'lead.erased' || event.detailType === 'lead.deleted'
              ? LeadRemovedSchema
              : LeadChangedSchema,
            event.detail,
            { prefix: 'detail', message: `${event.detailType} does not match its contract` },
          );
          return {
            EventBusName: busName,
            Source: EVENT_SOURCES.leads,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          };
        }),
      }),
    );
    if (result.FailedEntryCount)
      throw new Error(`${result.FailedEntryCount} events were not accepted`);
  }
}
