import type { RequestHandler } from 'express';
import { AppError, route, type BoundRoute, type FailedAttemptsLimit } from '@leadflow/core';
import { resolvedFormOf } from '../forms/form-gate';
import { replayedHeaders } from '../pipeline/idempotency';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import { requestMeta } from '../pipeline/request-meta';
import { googleAdsWebhookOperation } from './google-ads.schema';
import { googleKeyMatches, googleKeyOf, type GoogleAdsService } from './google-ads.service';

/** 400 for a delivery without a body, worded as the router words it. */
const bodyRequired = () =>
  new AppError('validation_failed', 'The request body is required', {
    errors: [{ field: 'body', message: 'is required' }],
  });

/** 400 for a body that is JSON but no delivery (`null`, a list): it guessed no key. */
const bodyNotAnObject = () =>
  new AppError('validation_failed', 'The request is invalid', {
    errors: [{ field: 'body', message: 'must be object' }],
  });

/**
 * Checks `google_key` before anything else happens to the lead: 403 unless it is the form's
 * key, and the wrong key counts against the sender. Runs after the form gate and after the body
 * was read with its int64 ids intact. It calls `next()` only for the form's own key: what
 * follows spends the form's quota, which nobody without the key may do.
 */
export function googleKeyGate(badKeys: FailedAttemptsLimit): RequestHandler {
  return (req, res, next) => {
    // No body, no key: refused here rather than by the router, which runs after the form's quota.
    if (req.body === undefined) throw bodyRequired();
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body))
      throw bodyNotAnObject();
    // Checked again in the same turn as the count: requests sent together, whose bodies were
    // still arriving, cannot all pass the first check before any of their failures counts.
    const refused = badKeys.refusal(req, res);
    if (refused) throw refused;
    const key = googleKeyOf(req.body);
    if (key === undefined || !googleKeyMatches(key, resolvedFormOf(req).googleAdsKeyHash)) {
      badKeys.failed(req, key ?? '');
      throw new AppError('forbidden', 'The google_key does not match the key of this form');
    }
    next();
  };
}

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
