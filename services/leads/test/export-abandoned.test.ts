import http from 'node:http';
import express from 'express';
import { batchWriteAll, documentClient } from '@leadflow/core';
import { eventually } from '@leadflow/testing';
import { syntheticLead } from '../bench/leads.bench';
import { leadItem } from '../src/leads/lead.record';
import { LeadRepository } from '../src/leads/lead.repository';
import { startLeadsHarness, type LeadsHarness } from './harness';

/**
 * A download the client gives up on while the export reads its next page: the response closed
 * before the next write, so no `drain` will ever come. The handler must still end, and let go
 * of its page and its listeners, instead of waiting for ever.
 */
describe('an export the client abandons', () => {
  let h: LeadsHarness;

  beforeAll(async () => {
    h = await startLeadsHarness();
  });
  afterAll(() => {
    jest.restoreAllMocks();
    return h.close();
  });

  it('then its handler ends and keeps no listener on the response', async () => {
    const tenant = await h.createTenant('abandoned');
    // More than one page of 250, each row large enough to fill the socket's buffer; written
    // straight to the table, as 300 requests at once would overwhelm the emulator.
    const start = Date.now() - 300_000;
    const leads = Array.from({ length: 300 }, (_, i) => {
      const lead = syntheticLead(tenant.id, i, start + i * 1_000);
      return {
        PutRequest: {
          Item: leadItem({ ...lead, fields: { ...lead.fields, message: 'x'.repeat(2_000) } }),
        },
      };
    });
    await batchWriteAll(documentClient(h.aws.dynamodb), h.stack.env.LEADS_TABLE!, leads);
    // The pages after the first take a while, so the client is gone before the next write.
    const list = LeadRepository.prototype.list;
    jest.spyOn(LeadRepository.prototype, 'list').mockImplementation(async function (
      this: LeadRepository,
      query,
    ) {
      if (query.cursor) await new Promise((resolve) => setTimeout(resolve, 500));
      return list.call(this, query);
    });
    let response: express.Response | undefined;
    let ended = false;
    const outer = express();
    outer.use((req, res, next) => {
      response = res;
      res.once('finish', () => (ended = true));
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof end>) => {
        ended = true;
        return end(...args);
      }) as typeof res.end;
      next();
    });
    outer.use(h.leads.app);
    const server = http.createServer(outer);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      await new Promise<void>((resolve) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port,
            path: '/v1/leads/export.csv',
            headers: { authorization: `Bearer ${tenant.admin.token}` },
          },
          (res) =>
            res.once('data', () => {
              req.destroy();
              resolve();
            }),
        );
      });
      await eventually(async () => (ended ? true : undefined), 5_000);
      expect(response!.listenerCount('drain')).toBe(0);
    } finally {
      server.close();
    }
  });
});
