import { route, type BoundRoute } from '@leadflow/core';
import { idempotencyKeyOf, replayedHeaders } from '../pipeline/idempotency';
import type { LeadPublisher } from '../pipeline/lead-publisher';
import { requestMeta } from '../pipeline/request-meta';
import { resolvedFormOf } from './form-gate';
import { submitFormOperation } from './form-submission.schema';
import type { FormSubmissionService } from './form-submission.service';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** The page a plain HTML form shows when its form has no success URL. */
export function thankYouPage(message: string | undefined): string {
  const text = escapeHtml(message?.trim() || 'Thank you. We received your submission.');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Thank you</title></head><body><p>${text}</p></body></html>`;
}

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
