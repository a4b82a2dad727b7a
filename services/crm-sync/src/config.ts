import { Type, type Static } from '@sinclair/typebox';
import { AuthConfigSchema } from '@leadflow/auth';
import { baseConfigSchema, Env } from '@leadflow/core';

export const CrmSyncConfigSchema = Type.Composite([
  baseConfigSchema(3003),
  AuthConfigSchema,
  Type.Object({
    LEADS_TABLE: Env.string('DynamoDB table of leads, where sync status is written'),
    TENANTS_TABLE: Env.string('DynamoDB table of CRM connections'),
    CRM_SYNC_QUEUE_URL: Env.url('SQS queue of lead changes to push to CRMs'),
    CRM_SYNC_DLQ_URL: Env.url('Dead-letter queue of crm-sync, emptied by the redrive operation'),
    SECRETS_PREFIX: Env.string('Secrets Manager name prefix of CRM credentials'),
    CRM_SYNC_CONCURRENCY: Env.integer(
      'Messages worked on at once per task; they wait in per-connection batches, so this is high',
      { default: 300, minimum: 1, maximum: 5000 },
    ),
    CRM_SYNC_WAIT_SECONDS: Env.integer(
      'Long-poll wait of the worker; also bounds how long a drain waits for the poll in progress',
      { default: 10, minimum: 0, maximum: 20 },
    ),
    CRM_SYNC_VISIBILITY_TIMEOUT_SECONDS: Env.integer(
      'Visibility the worker keeps renewing while a message waits or is pushed; the queue’s own',
      { default: 120, minimum: 10, maximum: 43_200 },
    ),
    CRM_SYNC_RETRY_BASE_SECONDS: Env.integer(
      'After a CRM outage (5xx, network) a message reappears after base × 2^(attempt−1) s (≤ 900); with the queue’s maxReceiveCount (20) and the default base, an outage of about 2.8 h before the DLQ',
      { default: 2, minimum: 0, maximum: 60 },
    ),
    CRM_SYNC_BATCH_LINGER_MS: Env.integer(
      'How long a change waits for others to the same connection before its batch is sent',
      { default: 250, minimum: 0, maximum: 10_000 },
    ),
    CRM_SYNC_MAX_QUEUE_WAIT_MS: Env.integer(
      'Longest a message waits in memory for its CRM (its rate limit, or a free batch slot while the CRM is slow to answer); beyond it, it is re-sent to the queue with a delay, which does not count towards the DLQ',
      { default: 5_000, minimum: 0, maximum: 60_000 },
    ),
    CRM_SYNC_MAX_RATE_LIMIT_WAIT_SECONDS: Env.integer(
      'Longest a change waits for CRM rate limits (or a slow CRM, or another attempt at its lead), counted from its first wait; beyond it, each further wait is a failed attempt, so a CRM that only ever answers 429 sends the change to the DLQ. A deletion waits as long for the change before it to reach the CRM',
      { default: 86_400, minimum: 1, maximum: 2_592_000 },
    ),
    CRM_SYNC_CONNECTION_CONCURRENCY: Env.integer(
      'Batches in flight at once per CRM connection (the rate limit applies on top)',
      { default: 4, minimum: 1, maximum: 64 },
    ),
    CRM_REQUEST_TIMEOUT_MS: Env.integer('Budget of one CRM HTTP request, connect included', {
      default: 15_000,
      minimum: 100,
      maximum: 120_000,
    }),
    CRM_SYNC_LEASE_SECONDS: Env.integer(
      'How long a task holds a lead for a connection while it pushes it to the CRM, so that no other task writes another version of it at the same time; a task that dies, or a request that got no answer, holds it this long. Longer than CRM_REQUEST_TIMEOUT_MS: no CRM request starts that could end after it',
      { default: 60, minimum: 2, maximum: 900 },
    ),
    CRM_SECRET_CACHE_MS: Env.integer(
      'How long CRM credentials read from Secrets Manager are reused; a 401/403 drops them and the call is tried once more',
      { default: 60_000, minimum: 0, maximum: 3_600_000 },
    ),
    CRM_CONNECTION_CACHE_MS: Env.integer(
      'How long a tenant’s CRM connections are reused; a change takes effect after at most this',
      { default: 5_000, minimum: 0, maximum: 300_000 },
    ),
  }),
]);

export type CrmSyncConfig = Static<typeof CrmSyncConfigSchema>;
