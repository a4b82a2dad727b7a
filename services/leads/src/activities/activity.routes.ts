import { tenantOf } from '@leadflow/auth';
import {
  queryPrefixPage,
  route,
  type BoundRoute,
  type DynamoDBDocumentClient,
} from '@leadflow/core';
import { leadPartition } from '../leads/lead.record';
import type { LeadService } from '../leads/lead.service';
import type { ActivityRecord } from './activity.record';
import { listActivitiesOperation } from './activity.schema';

export function activityRoutes(
  leads: LeadService,
  db: DynamoDBDocumentClient,
  table: string,
): BoundRoute[] {
  return [
    route(listActivitiesOperation, async ({ principal, params, query }) => {
      const tenantId = tenantOf(principal);
      await leads.visible(tenantId, params.leadId, principal);
      const page = await queryPrefixPage<ActivityRecord>(db, {
        table,
        pk: leadPartition(tenantId, params.leadId),
        skPrefix: 'ACT#',
        limit: query.limit ?? 25,
        cursor: query.cursor,
        newestFirst: true,
      });
      return {
        status: 200,
        body: {
          items: page.items.map(({ activityId, ...rest }) => ({ id: activityId, ...rest })),
          nextCursor: page.nextCursor,
        },
      };
    }),
  ];
}
