import { tenantOf } from '@leadflow/auth';
import { AppError, route, type BoundRoute, type Principal } from '@leadflow/core';
import { idempotencyKeyOf, replayedHeaders } from '../pipeline/idempotency';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import { requestMeta } from '../pipeline/request-meta';
import { ingestLeadBatchOperation, ingestLeadOperation } from './lead-api.schema';
import type { ApiCaller, LeadApiService } from './lead-api.service';

function callerOf(principal: Principal | undefined): ApiCaller {
  if (principal?.kind !== 'apiKey')
    throw new AppError('unauthenticated', 'An X-Api-Key header is required');
  return { tenantId: tenantOf(principal), keyId: principal.subject };
}

export function leadApiRoutes(leads: LeadApiService, publisher: LeadPublisher): BoundRoute[] {
  return [
    route(ingestLeadOperation, async ({ principal, body, req }) => {
      const outcome = await leads.ingest(
        callerOf(principal),
        body,
        requestMeta(req, publisher.deadlineFrom(Date.now())),
        idempotencyKeyOf(req),
      );
      return { status: 202, body: outcome.lead, headers: replayedHeaders(outcome.replayed) };
    }),
    route(ingestLeadBatchOperation, async ({ principal, body, req }) => {
      const outcome = await leads.ingestBatch(
        callerOf(principal),
        body.leads,
        requestMeta(req, publisher.deadlineFrom(Date.now())),
        idempotencyKeyOf(req),
      );
      return { status: 207, body: outcome.result, headers: replayedHeaders(outcome.replayed) };
    }),
  ];
}
