import { tenantOf } from '@leadflow/auth';
import { etagOf, expectedVersion, route, type BoundRoute } from '@leadflow/core';
import type { CrmConnectionRepository } from './crm-connection.repository';
import {
  createCrmConnectionOperation,
  deleteCrmConnectionOperation,
  getCrmConnectionOperation,
  listCrmConnectionsOperation,
  updateCrmConnectionOperation,
} from './crm-connection.schema';
import { toConnection, type CrmConnectionService } from './crm-connection.service';

export function crmConnectionRoutes(
  connections: CrmConnectionService,
  repository: CrmConnectionRepository,
): BoundRoute[] {
  return [
    route(listCrmConnectionsOperation, async ({ principal, query }) => {
      const page = await repository.list(tenantOf(principal), query.limit ?? 25, query.cursor);
      return {
        status: 200,
        body: { items: page.items.map(toConnection), nextCursor: page.nextCursor },
      };
    }),
    route(createCrmConnectionOperation, async ({ principal, body }) => {
      const connection = await connections.create(tenantOf(principal), body);
      return { status: 201, body: connection, headers: { ETag: etagOf(connection.version) } };
    }),
    route(getCrmConnectionOperation, async ({ principal, params }) => {
      const connection = toConnection(
        await connections.get(tenantOf(principal), params.connectionId),
      );
      return { status: 200, body: connection, headers: { ETag: etagOf(connection.version) } };
    }),
    route(updateCrmConnectionOperation, async ({ principal, params, body, req }) => {
      const connection = await connections.update(
        tenantOf(principal),
        params.connectionId,
        expectedVersion(req.get('if-match')),
        body,
      );
      return { status: 200, body: connection, headers: { ETag: etagOf(connection.version) } };
    }),
    route(deleteCrmConnectionOperation, async ({ principal, params }) => {
      await connections.delete(tenantOf(principal), params.connectionId);
      return { status: 204 };
    }),
  ];
}
