import { tenantOf } from '@leadflow/auth';
import { etagOf, expectedVersion, route, type BoundRoute } from '@leadflow/core';
import type { LeadRecord } from './lead.record';
import {
  assignLeadOperation,
  createLeadOperation,
  deleteLeadOperation,
  eraseLeadOperation,
  getLeadOperation,
  listLeadsOperation,
  resyncLeadOperation,
  restoreLeadOperation,
  updateLeadOperation,
} from './lead.schema';
import type { LeadService } from './lead.service';

const leadPath = (leadId: string) => `/v1/leads/${leadId}`;

export function leadRoutes(leads: LeadService): BoundRoute[] {
  const answer = async (tenantId: string, lead: LeadRecord, status = 200) => {
    const body = await leads.details(tenantId, lead);
    return { status, body, headers: { ETag: etagOf(lead.version, body.sync) } };
  };
  return [
    route(listLeadsOperation, async ({ principal, query }) => {
      const { limit, cursor, ...filters } = query;
      return {
        status: 200,
        body: await leads.list(tenantOf(principal), principal, filters, limit ?? 25, cursor),
      };
    }),
    route(createLeadOperation, async ({ principal, body }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, await leads.create(tenantId, principal, body), 201);
    }),
    route(getLeadOperation, async ({ principal, params }) => {
      const tenantId = tenantOf(principal);
      const found = await leads.lookUp(tenantId, params.leadId, principal);
      return 'mergedInto' in found
        ? { status: 308, headers: { Location: leadPath(found.mergedInto) } }
        : answer(tenantId, found.lead);
    }),
    route(updateLeadOperation, async ({ principal, params, body, req }) => {
      const tenantId = tenantOf(principal);
      return answer(
        tenantId,
        await leads.update(
          tenantId,
          principal,
          params.leadId,
          expectedVersion(req.get('if-match')),
          body,
        ),
      );
    }),
    route(assignLeadOperation, async ({ principal, params, body }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, await leads.assign(tenantId, principal, params.leadId, body.ownerId));
    }),
    route(deleteLeadOperation, async ({ principal, params }) => {
      await leads.delete(tenantOf(principal), principal, params.leadId);
      return { status: 204 };
    }),
    route(restoreLeadOperation, async ({ principal, params }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, await leads.restore(tenantId, principal, params.leadId));
    }),
    route(eraseLeadOperation, async ({ principal, params }) => {
      const tenantId = tenantOf(principal);
      return answer(tenantId, await leads.erase(tenantId, principal, params.leadId));
    }),
    route(resyncLeadOperation, async ({ principal, params }) => {
      await leads.resync(tenantOf(principal), principal, params.leadId);
      return { status: 202, body: { leadId: params.leadId, status: 'queued' as const } };
    }),
  ];
}
