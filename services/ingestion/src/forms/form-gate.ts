import { Router, type Request, type RequestHandler, type Response } from 'express';
import {
  AppError,
  applyCors,
  corsOriginOf,
  enterTenant,
  isAppError,
  type CorsPolicy,
} from '@leadflow/core';
import { unavailable } from '../pipeline/lead-publisher';
import type { PublishedForms, ResolvedForm } from './published-forms';

/** What a page of an allowed origin may do: POST with these headers, and read these back. */
export const FORM_CORS: CorsPolicy = {
  methods: ['POST'],
  allowedHeaders: ['Content-Type', 'Idempotency-Key'],
  exposedHeaders: [
    'Retry-After',
    'RateLimit',
    'RateLimit-Policy',
    'Idempotent-Replayed',
    'X-Request-Id',
  ],
  maxAgeSeconds: 600,
};

const RESOLVED_FORM = Symbol('ingestion.resolvedForm');

interface WithForm {
  [RESOLVED_FORM]?: ResolvedForm;
}

/** The published form the gate resolved for this request, if it did. */
export const gatedFormOf = (req: Request): ResolvedForm | undefined =>
  (req as Request & WithForm)[RESOLVED_FORM];

/** The published form the gate resolved for this request. */
export function resolvedFormOf(req: Request): ResolvedForm {
  const form = gatedFormOf(req);
  if (!form) throw new AppError('internal', 'the form gate did not run for this route');
  return form;
}

export function formKeyOf(req: Request): string {
  return resolvedFormOf(req).formKey;
}

function found(form: ResolvedForm | undefined): ResolvedForm {
  if (!form) throw new AppError('not_found', 'Form not found, or not published');
  return form;
}

async function resolveOr404(forms: PublishedForms, formKey: string): Promise<ResolvedForm> {
  let form: ResolvedForm | undefined;
  try {
    form = await forms.resolve(formKey);
  } catch (error) {
    if (isAppError(error)) throw error;
    throw unavailable(error, 'The form could not be looked up; send it again after Retry-After');
  }
  return found(form);
}

/** CORS headers for an allowed origin; 403 for any other. */
function admitOrigin(req: Request, res: Response, form: ResolvedForm, origin: string): void {
  if (!applyCors(req, res, form.allowedOrigins, FORM_CORS)) {
    throw new AppError(
      'forbidden',
      `Pages of ${origin.slice(0, 255)} may not submit this form; add the origin to the form’s allowed origins`,
    );
  }
}

/**
 * A browser may use a form only from one of its allowed origins. Without an Origin header
 * (a server, curl) CORS does not apply, and neither with `Origin: null`: a plain HTML form
 * posted from a page with a `no-referrer` or `same-origin` referrer policy sends it, and
 * refusing it would lose the lead while protecting nothing a server-sent post could not do.
 */
function admitSubmission(req: Request, res: Response, form: ResolvedForm): void {
  const origin = corsOriginOf(req);
  if (origin !== undefined) admitOrigin(req, res, form, origin);
}

/** A preflight asks to grant a page access, which only an allowed origin may have. */
function admitPreflight(req: Request, res: Response, form: ResolvedForm): void {
  const origin = corsOriginOf(req);
  if (origin === undefined)
    throw new AppError(
      'forbidden',
      'A preflight request needs the Origin of an allowed page; none and `null` are not one',
    );
  admitOrigin(req, res, form, origin);
}

/**
 * The form key is the public credential of a submission: it names the tenant and the form.
 * Resolves it (404 when unknown or unpublished), applies the form's CORS policy when asked,
 * and enters the tenant so every log line carries it.
 */
export function formGate(forms: PublishedForms, options: { cors: boolean }): RequestHandler {
  const admit = (req: Request, res: Response, form: ResolvedForm) => {
    if (options.cors) admitSubmission(req, res, form);
    (req as Request & WithForm)[RESOLVED_FORM] = form;
    enterTenant(form.tenantId);
  };
  return (req, res, next) => {
    const formKey = String(req.params.formKey);
    // Nearly always cached: answered without a promise, which every request would pay for.
    const cached = forms.peek(formKey);
    if (cached.hit) {
      admit(req, res, found(cached.value));
      next();
      return undefined;
    }
    return resolveOr404(forms, formKey).then((form) => {
      admit(req, res, form);
      next();
    });
  };
}

/**
 * A refusal made before the form is resolved (the per-address limit, which spares the table
 * lookups of a flood) still carries the form's CORS headers when the form is cached, so a page
 * of an allowed origin can read the 429's Retry-After instead of seeing a network error.
 */
export function readableByFormPages(forms: PublishedForms, gate: RequestHandler): RequestHandler {
  return (req, res, next) =>
    gate(req, res, (error?: unknown) => {
      if (error !== undefined && corsOriginOf(req) !== undefined) {
        const cached = forms.peek(String(req.params.formKey));
        if (cached.hit && cached.value) applyCors(req, res, cached.value.allowedOrigins, FORM_CORS);
      }
      next(error);
    });
}

/**
 * CORS preflight of form submissions: 204 for an allowed origin, 403 for another (`null` or
 * none among them), 404 for no form.
 */
export function formPreflight(forms: PublishedForms, limitPerIp: RequestHandler): RequestHandler {
  const router = Router();
  router.options('/v1/ingest/forms/:formKey', limitPerIp, async (req, res) => {
    admitPreflight(req, res, await resolveOr404(forms, String(req.params.formKey)));
    res.status(204).end();
  });
  // Only preflights go through the router: every other request skips it at the cost of a comparison.
  return (req, res, next) => (req.method === 'OPTIONS' ? router(req, res, next) : next());
}
