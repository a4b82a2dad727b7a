import { Type, type Static } from '@sinclair/typebox';
import { named, ULID_PATTERN } from '@leadflow/core';
import { ReplayedHeader } from './idempotency';
import { RateLimitHeaders } from './rate-limits';

export const AcceptedLeadSchema = named(
  'AcceptedLead',
  Type.Object(
    {
      leadId: Type.String({
        pattern: ULID_PATTERN,
        description:
          'The lead’s id (ULID), generated here; the lead appears under it once the leads service stored it.',
      }),
      status: Type.Literal('accepted'),
    },
    { additionalProperties: false },
  ),
);
export type AcceptedLead = Static<typeof AcceptedLeadSchema>;

export const exampleAccepted: AcceptedLead = {
  leadId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
  status: 'accepted',
};

export const acceptedHeaders = { ...ReplayedHeader, ...RateLimitHeaders };

export const accepted = (leadId: string): AcceptedLead => ({ leadId, status: 'accepted' });
