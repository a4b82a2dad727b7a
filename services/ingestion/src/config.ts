import { Type, type Static } from '@sinclair/typebox';
import { baseConfigSchema, Env } from '@leadflow/core';

export const IngestionConfigSchema = Type.Composite([
  baseConfigSchema(3001),
  Type.Object({
    TENANTS_TABLE: Env.string('DynamoDB table of tenants: published forms and API keys'),
    RUNTIME_TABLE: Env.string('DynamoDB table of idempotency records and rate-limit counters'),
    EVENT_BUS_NAME: Env.string('EventBridge bus that receives lead.received'),
    INGEST_PUBLISH_BUDGET_MS: Env.integer(
      'How long a request may wait for EventBridge to accept its lead before answering 503',
      { default: 3_000, minimum: 100, maximum: 20_000 },
    ),
    INGEST_PUBLISH_LINGER_MS: Env.integer(
      'How long the first lead of a PutEvents batch waits for company (up to 10 per call)',
      { default: 3, minimum: 0, maximum: 50 },
    ),
    INGEST_CONFIG_CACHE_SECONDS: Env.integer(
      'How long a published form, a tenant’s settings and an API key are cached; a new form version takes effect within this',
      { default: 30, minimum: 0, maximum: 30 },
    ),
    INGEST_RATE_WINDOW_SECONDS: Env.integer('Window of every rate limit', {
      default: 60,
      minimum: 1,
      maximum: 3_600,
    }),
    INGEST_RATE_LIMIT_PER_IP: Env.integer(
      'Public form submissions one client IP may send per window, whatever the form',
      { default: 60, minimum: 1 },
    ),
    INGEST_RATE_LIMIT_PER_FORM: Env.integer(
      'Submissions one form may take per window, from every client together; public posts and Google Ads deliveries count apart, so a flood of one cannot block the other',
      { default: 3_000, minimum: 1 },
    ),
    INGEST_RATE_LIMIT_BAD_GOOGLE_KEYS: Env.integer(
      'Google Ads deliveries with a wrong google_key one client IP may send a form per window (the same wrong key again counts once); past it, every delivery from that address to that form is refused until the window ends, one with the right key too, so a key cannot be guessed',
      { default: 10, minimum: 1 },
    ),
    INGEST_RATE_LIMIT_PER_API_KEY: Env.integer(
      'Server-to-server requests one API key may send per window (a batch counts once)',
      { default: 1_200, minimum: 1 },
    ),
  }),
]);

export type IngestionConfig = Static<typeof IngestionConfigSchema>;
