/** The fake CRM's settings, storms, records and request log: what tests configure and read. */

export const FAKE_CRMS = ['hubspot', 'salesforce', 'pipedrive', 'webhook'] as const;
export type FakeCrmKind = (typeof FAKE_CRMS)[number];

export interface RateLimitSetting {
  /** Requests per token per interval. */
  max: number;
  intervalMs: number;
}

export interface FakeCrmSettings {
  /** Added to every CRM answer (not the admin API). */
  latencyMs: number;
  /** Per token, rolling windows; a CRM without one here is unlimited. */
  rateLimits: Partial<Record<FakeCrmKind, RateLimitSetting>>;
  /** Salesforce: a new Lead whose Email matches an existing one answers DUPLICATES_DETECTED. */
  salesforceDuplicateRule: boolean;
  /** Tokens every CRM answers 401 to. */
  rejectTokens: string[];
  /** HubSpot contact properties besides the standard ones (others are PROPERTY_DOESNT_EXIST). */
  hubspotProperties: string[];
}

export const DEFAULT_SETTINGS: FakeCrmSettings = {
  latencyMs: 0,
  rateLimits: {
    hubspot: { max: 100, intervalMs: 10_000 },
    pipedrive: { max: 20, intervalMs: 2_000 },
  },
  salesforceDuplicateRule: true,
  rejectTokens: [],
  hubspotProperties: [],
};

export interface StormSpec {
  /** Every CRM when absent. */
  crm?: FakeCrmKind;
  /** Only requests of this method… */
  method?: string;
  /** …and whose path starts with this. */
  path?: string;
  /** An HTTP status (429 is answered the CRM's way), or 'reset' to drop the connection. */
  status: number | 'reset';
  /** The next N matching requests… */
  requests?: number;
  /** …or every matching request for this long. */
  durationMs?: number;
  /** The Retry-After of the answers: 1 s for a 429 when absent; none for other statuses. */
  retryAfterSeconds?: number;
}

export interface SlowdownSpec {
  crm?: FakeCrmKind;
  /** Only requests whose path starts with this. */
  path?: string;
  /** Added to the answer of each of the next `requests` (1) matching requests. */
  delayMs: number;
  requests?: number;
}

export interface ActiveStorm extends StormSpec {
  remaining: number;
  until: number;
}

export interface RecordedRequest {
  crm: FakeCrmKind;
  method: string;
  /** Without the query string (Pipedrive's token rides in it). */
  path: string;
  /** The credential the request carried: bearer token, api_token, or the webhook path. */
  token: string;
  status: number;
  at: number;
  /** Whether a storm answered it. */
  storm: boolean;
  /** Whether the fake's rate limit refused it. */
  limited: boolean;
  /** E-mail addresses the request carried. */
  emails: string[];
  /** Records in the request (batch size). */
  records: number;
}

export interface HubSpotContact {
  token: string;
  id: string;
  properties: Record<string, string>;
  createdAt: string;
  updatedAt: string;
  /** Upserts that wrote it. */
  writes: number;
}

export interface SalesforceLead {
  token: string;
  Id: string;
  fields: Record<string, unknown>;
  writes: number;
}

export interface PipedrivePerson {
  token: string;
  id: number;
  name: string;
  email: Array<{ value: string; primary: boolean; label: string }>;
  phone: Array<{ value: string; primary: boolean; label: string }>;
  fields: Record<string, unknown>;
}

export interface PipedriveLead {
  token: string;
  id: string;
  title: string;
  person_id: number;
  origin_id: string | null;
}

export interface PipedriveNote {
  token: string;
  id: number;
  content: string;
  lead_id: string;
}

export interface WebhookDelivery {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

export class FakeCrmState {
  settings: FakeCrmSettings = structuredClone(DEFAULT_SETTINGS);
  storms: ActiveStorm[] = [];
  slowdowns: Array<SlowdownSpec & { remaining: number }> = [];
  requests: RecordedRequest[] = [];
  hubspotContacts = new Map<string, HubSpotContact>();
  salesforceLeads = new Map<string, SalesforceLead>();
  /** Salesforce access tokens the token endpoint issued, to the refresh token they stand for. */
  salesforceSessions = new Map<string, string>();
  pipedrivePersons = new Map<number, PipedrivePerson>();
  pipedriveLeads = new Map<string, PipedriveLead>();
  pipedriveNotes = new Map<number, PipedriveNote>();
  webhookDeliveries: WebhookDelivery[] = [];
  /** Accepted request times per CRM and token, for the rolling-window limits. */
  private readonly windows = new Map<string, number[]>();
  private sequence = 1_000;

  nextId(): number {
    this.sequence += 1;
    return this.sequence;
  }

  configure(patch: Partial<FakeCrmSettings>): void {
    this.settings = {
      ...this.settings,
      ...patch,
      rateLimits: { ...this.settings.rateLimits, ...patch.rateLimits },
    };
  }

  storm(spec: StormSpec): void {
    this.storms.push({
      ...spec,
      remaining: spec.requests ?? Number.POSITIVE_INFINITY,
      until:
        spec.durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + spec.durationMs,
    });
  }

  slowDown(spec: SlowdownSpec): void {
    this.slowdowns.push({ ...spec, remaining: spec.requests ?? 1 });
  }

  /** How much longer this request's answer waits (and counts it against its slowdown). */
  takeSlowdown(crm: FakeCrmKind, path: string): number {
    const slowdown = this.slowdowns.find(
      (s) =>
        s.remaining > 0 &&
        (s.crm === undefined || s.crm === crm) &&
        (s.path === undefined || path.startsWith(s.path)),
    );
    if (!slowdown) return 0;
    slowdown.remaining -= 1;
    return slowdown.delayMs;
  }

  /** Ends every storm. */
  calm(): void {
    this.storms = [];
  }

  /** The storm that answers this request, if any (and counts it). */
  takeStorm(crm: FakeCrmKind, method: string, path: string): ActiveStorm | undefined {
    const now = Date.now();
    this.storms = this.storms.filter((s) => s.remaining > 0 && s.until > now);
    const storm = this.storms.find(
      (s) =>
        (s.crm === undefined || s.crm === crm) &&
        (s.method === undefined || s.method === method) &&
        (s.path === undefined || path.startsWith(s.path)),
    );
    if (storm) storm.remaining -= 1;
    return storm;
  }

  /** Counts the request against the token's window; answers what is left, or refuses. */
  admit(
    crm: FakeCrmKind,
    token: string,
  ): { limit?: RateLimitSetting; remaining: number; resetMs: number; allowed: boolean } {
    const limit = this.settings.rateLimits[crm];
    if (!limit) return { remaining: Number.POSITIVE_INFINITY, resetMs: 0, allowed: true };
    const key = `${crm}:${token}`;
    const now = Date.now();
    const times = (this.windows.get(key) ?? []).filter((t) => t > now - limit.intervalMs);
    const allowed = times.length < limit.max;
    if (allowed) times.push(now);
    this.windows.set(key, times);
    const resetMs = times.length > 0 ? times[0]! + limit.intervalMs - now : 0;
    return { limit, remaining: Math.max(0, limit.max - times.length), resetMs, allowed };
  }

  reset(): void {
    const settings = this.settings;
    Object.assign(this, new FakeCrmState());
    this.settings = settings;
    this.windows.clear();
  }

  /** The most requests of one CRM and token that arrived within any `intervalMs`. */
  maxInWindow(crm: FakeCrmKind, token: string, intervalMs: number): number {
    const times = this.requests
      .filter((r) => r.crm === crm && r.token === token)
      .map((r) => r.at)
      .sort((a, b) => a - b);
    let max = 0;
    let start = 0;
    for (let end = 0; end < times.length; end++) {
      while (times[end]! - times[start]! >= intervalMs) start++;
      max = Math.max(max, end - start + 1);
    }
    return max;
  }

  summary() {
    const byCrm = Object.fromEntries(
      FAKE_CRMS.map((crm) => [
        crm,
        {
          requests: this.requests.filter((r) => r.crm === crm).length,
          limited: this.requests.filter((r) => r.crm === crm && r.limited).length,
          stormed: this.requests.filter((r) => r.crm === crm && r.storm).length,
        },
      ]),
    );
    return {
      settings: this.settings,
      storms: this.storms.filter((s) => s.remaining > 0 && s.until > Date.now()),
      requests: byCrm,
      records: {
        hubspotContacts: this.hubspotContacts.size,
        salesforceLeads: this.salesforceLeads.size,
        pipedrivePersons: this.pipedrivePersons.size,
        pipedriveLeads: this.pipedriveLeads.size,
        pipedriveNotes: this.pipedriveNotes.size,
        webhookDeliveries: this.webhookDeliveries.length,
      },
    };
  }
}
