import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UNANSWERED } from '../src/sync/sync-status.repository';
import {
  leadCreated,
  leadErased,
  startCrmSyncHarness,
  type ConnectionRef,
  type CrmSyncHarness,
} from './harness';

/**
 * A Salesforce of its own, on loopback: the fake CRM answers only what Salesforce answers, and
 * these tests need a 200 that is not Salesforce's (a proxy's page). It applies every write, then
 * answers the next `garbled` requests with that page instead of the save results.
 */
class GarblingSalesforce {
  readonly requests: string[] = [];
  /** External id (the Leadflow lead id) → record id. */
  readonly leads = new Map<string, string>();
  garbled = 0;
  private created = 0;
  private readonly server: Server = createServer((req, res) => this.handle(req, res));

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      this.requests.push(`${req.method} ${req.url}`);
      const answer = this.apply(req.method, new URL(req.url ?? '/', 'http://salesforce'), raw);
      if (this.garbled > 0) {
        this.garbled -= 1;
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>Service temporarily unavailable</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  }

  private newId(): string {
    this.created += 1;
    return `00Q${String(this.created).padStart(12, '0')}`;
  }

  /** Upserts by external id and deletes by record id, answering one save result per record. */
  private apply(method: string | undefined, url: URL, raw: string): unknown[] {
    if (method === 'PATCH') {
      const { records } = JSON.parse(raw) as { records: Array<{ Leadflow_Id__c: string }> };
      return records.map((record) => {
        const id = this.leads.get(record.Leadflow_Id__c) ?? this.newId();
        this.leads.set(record.Leadflow_Id__c, id);
        return { id, success: true, errors: [], created: true };
      });
    }
    const ids = (url.searchParams.get('ids') ?? '').split(',');
    return ids.map((id) => {
      const entry = [...this.leads].find(([, recordId]) => recordId === id);
      if (!entry)
        return {
          id,
          success: false,
          errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'gone' }],
        };
      this.leads.delete(entry[0]);
      return { id, success: true, errors: [] };
    });
  }
}

describe('Salesforce sync: a 200 that is not Salesforce’s answer', () => {
  let h: CrmSyncHarness;
  let salesforce: ConnectionRef;
  const crm = new GarblingSalesforce();

  beforeAll(async () => {
    const instanceUrl = await crm.start();
    // An answer that tells nothing holds the lead for a lease, like a lost one: keep it short.
    h = await startCrmSyncHarness({
      env: { CRM_REQUEST_TIMEOUT_MS: '3000', CRM_SYNC_LEASE_SECONDS: '5' },
    });
    await h.createTenant('sfgarble');
    salesforce = await h.connect('sfgarble', {
      type: 'salesforce',
      name: 'Salesforce',
      credentials: {
        instanceUrl,
        accessToken: '00Dxx0000001gPL!AQ4AQFakeSalesforceSessionToken',
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await crm.close();
  });

  /** The lead's first recorded outcome, then its last: both of the given version. */
  async function outcomes(leadId: string, version: number) {
    const first = await h.waitForStatus(
      'sfgarble',
      leadId,
      salesforce.id,
      (s) => s.leadVersion === version && (s.state !== 'pending' || s.lastError !== undefined),
    );
    const last = await h.waitForStatus(
      'sfgarble',
      leadId,
      salesforce.id,
      (s) => s.leadVersion === version && s.state !== 'pending',
      30_000,
    );
    return { first, last };
  }

  it('when an upsert is answered with a proxy’s page, then the lead waits as possibly written and syncs on the retry', async () => {
    const lead = leadCreated('sfgarble');
    crm.garbled = 1;

    await h.publish(lead);
    const { first, last } = await outcomes(lead.detail.leadId, 1);

    expect(first.state).toBe('pending');
    expect(first.lastError).toMatch(
      new RegExp(`^${UNANSWERED}Salesforce upsert answered 200 \\(text/html\\)`),
    );
    expect(last).toMatchObject({ state: 'synced', externalId: crm.leads.get(lead.detail.leadId) });
    expect(crm.requests.filter((r) => r.startsWith('PATCH'))).toHaveLength(2);
    expect(await h.queueDepth(h.stack.env.CRM_SYNC_DLQ_URL!)).toBe(0);
  });

  it('when an erasure is answered with a proxy’s page, then it is retried until Salesforce confirms it, never left undone', async () => {
    const lead = leadCreated('sfgarble');
    await h.publish(lead);
    const created = await h.waitForStatus(
      'sfgarble',
      lead.detail.leadId,
      salesforce.id,
      (s) => s.state === 'synced',
    );
    crm.garbled = 1;

    await h.publish(leadErased('sfgarble', lead.detail.leadId, 2));
    const { first, last } = await outcomes(lead.detail.leadId, 2);

    expect(first.state).toBe('pending');
    expect(first.lastError).toMatch(new RegExp(`^${UNANSWERED}Salesforce delete answered 200`));
    expect(last.state).toBe('synced');
    expect(crm.leads.has(lead.detail.leadId)).toBe(false);
    const deletes = crm.requests.filter((r) => r.startsWith('DELETE'));
    expect(deletes).toHaveLength(2);
    expect(deletes[0]).toContain(`ids=${created.externalId!}`);
  });
});
