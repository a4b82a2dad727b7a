import { Type, type Static } from '@sinclair/typebox';
import { named, ULID_PATTERN, RateLimitHeaders } from '@leadflow/core';
import { ReplayedHeader } from './idempotency';

/** What the id of an accepted lead names: the single and batch answers say the same. */
export const ACCEPTED_LEAD_ID =
  'The submission’s id (ULID), generated here. Once the leads service has taken the submission in (until then GET /v1/leads/{leadId} answers 404), a new lead has this id. With de-duplication by e-mail on, a submission whose e-mail matches a lead the tenant already has (for a test lead: another test lead) is merged into that lead instead: that lead’s id is the one that counts and this id never names a lead of its own; GET /v1/leads/{leadId} then answers 308 with that lead’s URL in `Location`, and the submission shows on its timeline as a `merged` activity.';

export const AcceptedLeadSchema = named(
  'AcceptedLead',
  Type.Object(
    {
      leadId: Type.String({ pattern: ULID_PATTERN, description: ACCEPTED_LEAD_ID }),
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
