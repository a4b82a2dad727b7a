import type { Request, RequestHandler, Response } from 'express';
import { answerProblemAsPage, type Problem } from '@leadflow/core';
import { consentKey } from '@leadflow/forms';
import type { ResolvedForm } from './published-forms';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
}

/** The page a plain HTML form shows when its form has no success URL. */
export function thankYouPage(message: string | undefined): string {
  const text = escapeHtml(message?.trim() || 'Thank you. We received your submission.');
  return page('Thank you', `<p>${text}</p>`);
}

/** What a person is told, by status; the problem's own detail is written for developers. */
function explanation(status: number, retryAfterSeconds: string | undefined): string {
  const retry = retryAfterSeconds ? ` Please try again in ${retryAfterSeconds} seconds.` : '';
  if (status === 400) return 'Some of what you entered needs another look.';
  if (status === 403) return 'This form cannot be sent from this page.';
  if (status === 404) return 'This form is not available any more.';
  if (status === 413) return 'What you entered is too long to send.';
  if (status === 415) return 'Your browser sent the form in a way it cannot be read.';
  if (status === 429) return `Too many submissions came from your network just now.${retry}`;
  return `We could not take your submission just now.${retry || ' Please try again later.'}`;
}

/** A form's own name for a submission key, when it has one. */
export type FieldLabels = (key: string) => string | undefined;

/** What of a published form names its submission keys. */
interface NamedKeys {
  fields: ReadonlyArray<{ key: string; label: string }>;
  consents: ReadonlyArray<{ key: string; text: string }>;
}

/** The labels of a published form's fields, and the texts of its consents. */
export const labelsOf =
  (form: NamedKeys | undefined): FieldLabels =>
  (key) =>
    form?.fields.find((field) => field.key === key)?.label ??
    form?.consents.find((consent) => consentKey(consent.key) === key)?.text;

/** A field of a problem (`body.email`) by the form's name for it, else by its key. */
function fieldName(field: string, labels: FieldLabels): string {
  const key = field.replace(/^body\.?/, '');
  return (key && labels(key)) || key || 'The form';
}

/**
 * The page a person sees when the plain HTML form they sent fails: what went wrong and what to
 * do, in words for them (the problem's detail is for developers), with its request id for support.
 */
export function formErrorPage(
  problem: Problem,
  retryAfterSeconds: string | undefined,
  labels: FieldLabels,
): string {
  const fields = (problem.errors ?? [])
    .map(
      (error) =>
        `<li>${escapeHtml(fieldName(error.field, labels))}: ${escapeHtml(error.message)}</li>`,
    )
    .join('');
  return page(
    'Your submission was not sent',
    [
      '<h1>Your submission was not sent</h1>',
      `<p>${escapeHtml(explanation(problem.status, retryAfterSeconds))}</p>`,
      fields ? `<ul>${fields}</ul>` : '',
      '<p>Use your browser’s back button to return to the form.</p>',
      problem.instance ? `<p><small>Reference: ${escapeHtml(problem.instance)}</small></p>` : '',
    ].join(''),
  );
}

/** Whether the client would rather read a page than JSON: a browser navigating, not a script. */
const prefersPage = (req: Request) =>
  req.accepts(['application/problem+json', 'application/json', 'text/html']) === 'text/html';

/**
 * A plain HTML form posts URL-encoded from a browser that navigates to the answer: when it
 * fails, the person reads a page. Scripts (JSON, or an Accept without text/html first) keep
 * problem+json.
 */
export function errorPagesForPlainForms(
  formOf: (req: Request) => ResolvedForm | undefined,
): RequestHandler {
  return (req, res, next) => {
    if (req.is('application/x-www-form-urlencoded')) {
      res.vary('Accept');
      if (prefersPage(req))
        answerProblemAsPage(res, (problem, answer: Response) =>
          formErrorPage(problem, retryAfterOf(answer), labelsOf(formOf(req)?.config)),
        );
    }
    next();
  };
}

function retryAfterOf(res: Response): string | undefined {
  const value = res.getHeader('Retry-After');
  return value === undefined ? undefined : String(value);
}
