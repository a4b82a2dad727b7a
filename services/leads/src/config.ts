import { Type, type Static } from '@sinclair/typebox';
import { AuthConfigSchema } from '@leadflow/auth';
import { baseConfigSchema, Env } from '@leadflow/core';

export const LeadsConfigSchema = Type.Composite([
  baseConfigSchema(3002),
  AuthConfigSchema,
  Type.Object({
    LEADS_TABLE: Env.string('DynamoDB table of leads, notes, activities and the outbox'),
    TENANTS_TABLE: Env.string(
      'DynamoDB table of tenant settings (lead schema, pipeline, assignment rules) and members',
    ),
    EVENT_BUS_NAME: Env.string(
      'EventBridge bus that receives lead.created, lead.updated, lead.deleted and lead.erased',
    ),
    LEAD_INTAKE_QUEUE_URL: Env.url('SQS queue of lead.received events'),
    INTAKE_CONCURRENCY: Env.integer('lead.received messages worked on at once per task', {
      default: 10,
      minimum: 1,
      maximum: 100,
    }),
    INTAKE_VISIBILITY_TIMEOUT_SECONDS: Env.integer(
      'Visibility the intake worker keeps renewing while it works; the queue’s own',
      { default: 60, minimum: 10 },
    ),
    INTAKE_WAIT_SECONDS: Env.integer(
      'Long-poll wait of the intake worker; also bounds how long a drain waits for it',
      { default: 10, minimum: 0, maximum: 20 },
    ),
    INTAKE_RETRY_BASE_SECONDS: Env.integer(
      'A failed message reappears after base × 2^(attempt−1) seconds (at most 300); with the queue’s maxReceiveCount (10) and the default base, an outage of about 13 min before the DLQ. A message that is no lead.received goes there at once',
      { default: 2, minimum: 0, maximum: 60 },
    ),
    OUTBOX_SHARDS: Env.integer('Outbox partitions; each is published by one relay at a time', {
      default: 4,
      minimum: 1,
      maximum: 64,
    }),
    OUTBOX_POLL_MS: Env.integer('How often the relay looks for events written by other tasks', {
      default: 1_000,
      minimum: 50,
    }),
    TENANT_CACHE_MS: Env.integer(
      'How long tenant settings and members’ roles are cached: a member removed or given another role in tenant-config is refused, or gets the new role, in the leads API within this',
      {
        default: 10_000,
        minimum: 0,
      },
    ),
  }),
]);

export type LeadsConfig = Static<typeof LeadsConfigSchema>;
