import { route, type BoundRoute } from '@leadflow/core';
import { idempotencyKeyOf, replayedHeaders } from '../pipeline/idempotency';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import { requestMeta } from '../pipeline/request-meta';
import { resolvedFormOf } from './form-gate';
import { thankYouPage } from './form-pages';
import { submitFormOperation } from './form-submission.schema';
import type { FormSubmissionService } from './form-submission.service';

export function formSubmissionRoutes(
  submissions: FormSubmissionService,
  publisher: LeadPublisher,
): BoundRoute[] {
  return [
    route(submitFormOperation, async ({ body, req, res }) => {
      const form = resolvedFormOf(req);
      const urlEncoded = Boolean(req.is('application/x-www-form-urlencoded'));
      const outcome = await submissions.submit(form, {
        body,
        urlEncoded,
        meta: requestMeta(req, publisher.deadlineFrom(Date.now())),
        idempotencyKey: idempotencyKeyOf(req),
      });
      const headers = replayedHeaders(outcome.replayed);
      if (!urlEncoded) return { status: 202, body: outcome.lead, headers };
      const { redirectUrl, message } = form.config.success;
      if (redirectUrl) return { status: 303, headers: { ...headers, Location: redirectUrl } };
      res.set(headers).status(200).type('html').send(thankYouPage(message));
      return 'handled';
    }),
  ];
}
