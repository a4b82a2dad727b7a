import { tenantOf } from '@leadflow/auth';
import { etagOf, expectedVersion, route, type BoundRoute } from '@leadflow/core';
import {
  createTenantOperation,
  getTenantOperation,
  logoUploadOperation,
  patchTenantOperation,
} from './tenant.schema';
import { toTenant, type TenantService } from './tenant.service';

export function tenantRoutes(tenants: TenantService): BoundRoute[] {
  return [
    route(createTenantOperation, async ({ body }) => {
      const tenant = await tenants.create(body);
      return { status: 201, body: tenant, headers: { ETag: etagOf(tenant.version) } };
    }),
    route(getTenantOperation, async ({ principal }) => {
      const tenant = toTenant(await tenants.get(tenantOf(principal)));
      return { status: 200, body: tenant, headers: { ETag: etagOf(tenant.version) } };
    }),
    route(patchTenantOperation, async ({ principal, body, req }) => {
      const tenant = await tenants.update(
        tenantOf(principal),
        expectedVersion(req.get('if-match')),
        body,
      );
      return { status: 200, body: tenant, headers: { ETag: etagOf(tenant.version) } };
    }),
    route(logoUploadOperation, async ({ principal, body }) => ({
      status: 201,
      body: await tenants.createLogoUpload(
        tenantOf(principal),
        body.contentType,
        body.contentLength,
      ),
    })),
  ];
}
