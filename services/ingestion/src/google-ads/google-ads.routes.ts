import type { RequestHandler } from 'express';
import { route, type BoundRoute } from '@leadflow/core';
import { resolvedFormOf } from '../forms/form-gate';
import { replayedHeaders } from '../pipeline/idempotency';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import { requestMeta } from '../pipeline/request-meta';
import { googleAdsWebhookOperation } from './google-ads.schema';
import { assertGoogleKey, type GoogleAdsService } from './google-ads.service';

/**
 * Checks `google_key` before anything else happens to the lead: 403 unless it is the form's
 * key. Runs after the form gate and after the body was read with its int64 ids intact.
 */
export const googleKeyGate: RequestHandler = (req, _res, next) => {
  // Without a body there is no key to check, and nothing to process: the router answers 400.
  if (req.body !== undefined) assertGoogleKey(resolvedFormOf(req), req.body);
  next();
};

export function googleAdsRoutes(service: GoogleAdsService, publisher: LeadPublisher): BoundRoute[] {
  return [
    route(googleAdsWebhookOperation, async ({ body, req }) => {
      const outcome = await service.receive(
        resolvedFormOf(req),
        body,
        requestMeta(req, publisher.deadlineFrom(Date.now())),
      );
      return {
        status: 200,
        body: outcome.lead,
        headers: replayedHeaders(outcome.replayed),
      };
    }),
  ];
}
