import { Router, type RequestHandler } from 'express';
import { tenantOf } from '@leadflow/auth';
import { applyCors, etagOf, expectedVersion, route, type BoundRoute } from '@leadflow/core';
import type { FormRecord, FormRepository } from './form.repository';
import {
  createFormOperation,
  deleteFormOperation,
  getFormOperation,
  getPublicFormOperation,
  listFormsOperation,
  publishFormOperation,
  unpublishFormOperation,
  updateFormOperation,
} from './form.schema';
import type { FormService } from './form.service';

export const PUBLIC_CONFIG_CORS = {
  methods: ['GET'],
  allowedHeaders: ['If-None-Match'],
  exposedHeaders: ['ETag'],
  maxAgeSeconds: 600,
};

export function formRoutes(forms: FormService, repository: FormRepository): BoundRoute[] {
  const answer = (tenantId: string, status: number) => async (record: FormRecord) => {
    const [form] = await forms.toForms(tenantId, [record]);
    return { status, body: form!, headers: { ETag: etagOf(form!.version) } };
  };
  return [
    route(listFormsOperation, async ({ principal, query }) => {
      const tenantId = tenantOf(principal);
      const page = await repository.list(tenantId, query.limit ?? 25, query.cursor);
      return {
        status: 200,
        body: {
          items: await forms.toForms(tenantId, page.items),
          nextCursor: page.nextCursor,
        },
      };
    }),
    route(createFormOperation, async ({ principal, body }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, 201)(await forms.create(tenantId, body));
    }),
    route(getFormOperation, async ({ principal, params }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, 200)(await forms.get(tenantId, params.formId));
    }),
    route(updateFormOperation, async ({ principal, params, body, req }) => {
      const tenantId = tenantOf(principal);
      return answer(
        tenantId,
        200,
      )(await forms.update(tenantId, params.formId, expectedVersion(req.get('if-match')), body));
    }),
    route(deleteFormOperation, async ({ principal, params }) => {
      await forms.delete(tenantOf(principal), params.formId);
      return { status: 204 };
    }),
    route(publishFormOperation, async ({ principal, params }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, 200)(await forms.publish(tenantId, params.formId));
    }),
    route(unpublishFormOperation, async ({ principal, params }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, 200)(await forms.unpublish(tenantId, params.formId));
    }),
    route(getPublicFormOperation, async ({ params, req, res }) => {
      const published = await forms.publicConfig(params.formKey);
      applyCors(req, res, published.allowedOrigins, PUBLIC_CONFIG_CORS);
      const etag = etagOf(published.version);
      const headers = { ETag: etag, 'Cache-Control': 'public, max-age=60' };
      if (req.get('if-none-match') === etag) return { status: 304, headers };
      return { status: 200, body: published.config, headers };
    }),
  ];
}

/** CORS preflight of the public config: the form's allowed origins, nobody else. */
export function publicConfigPreflight(forms: FormService): RequestHandler {
  const router = Router();
  router.options('/v1/public/forms/:formKey', async (req, res) => {
    const published = await forms.publicConfig(String(req.params.formKey)).catch(() => undefined);
    if (published) applyCors(req, res, published.allowedOrigins, PUBLIC_CONFIG_CORS);
    res.status(204).end();
  });
  return router;
}
