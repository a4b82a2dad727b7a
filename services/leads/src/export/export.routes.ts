import type { Response } from 'express';
import { tenantOf } from '@leadflow/auth';
import { route, type BoundRoute, type Logger } from '@leadflow/core';
import type { LeadRepository } from '../leads/lead.repository';
import { exportLeadsOperation } from '../leads/lead.schema';
import { listScopeOf } from '../leads/lead.service';
import type { TenantDirectory } from '../tenancy/tenant-directory';
import { csvColumns } from './csv';

const PAGE = 250;

/**
 * Writes and waits while the client is slower than DynamoDB: memory stays one page, whatever the
 * size. False once the client is gone: its `close` may have come before this write, and no
 * `drain` ever will.
 */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  await new Promise<void>((resolve) => {
    const resume = () => {
      res.off('drain', resume);
      res.off('close', resume);
      resolve();
    };
    res.on('drain', resume);
    res.on('close', resume);
    if (res.destroyed) resume();
  });
  return !res.destroyed;
}

/** Writes each row in turn; false once the client is gone. */
async function writeAll(res: Response, rows: string[]): Promise<boolean> {
  for (const row of rows) if (!(await write(res, row))) return false;
  return true;
}

export function exportRoutes(
  leads: LeadRepository,
  tenants: TenantDirectory,
  logger: Logger,
): BoundRoute[] {
  return [
    route(exportLeadsOperation, async ({ principal, query, res }) => {
      const tenantId = tenantOf(principal);
      const settings = await tenants.settingsOf(tenantId);
      const columns = csvColumns(settings.customFields.map((f) => f.key));
      const filters = query;
      // Live leads only, for everyone: an erased lead's tombstone is no row of a report.
      const scope = { ...listScopeOf(principal), hideErased: true };
      // The first page is read before answering, so a failure still gets a problem+json answer.
      let page = await leads.list({ tenantId, filters, limit: PAGE, ...scope });
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader(
        'Content-Disposition',
        `attachment; filename="leads-${new Date().toISOString().slice(0, 10)}.csv"`,
      );
      res.setHeader('Cache-Control', 'no-store');
      try {
        let open = await write(res, columns.header);
        for (;;) {
          open = open && (await writeAll(res, page.items.map(columns.row)));
          if (!open || !page.nextCursor) break;
          page = await leads.list({
            tenantId,
            filters,
            limit: PAGE,
            cursor: page.nextCursor,
            ...scope,
          });
        }
        res.end();
      } catch (error) {
        // Headers are gone: all that is left is to cut the stream, so the client sees it incomplete.
        logger.error({ err: error }, 'export failed midway');
        res.destroy(error instanceof Error ? error : undefined);
      }
      return 'handled';
    }),
  ];
}
