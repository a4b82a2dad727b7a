import manifestJson from '../manifest.json';

export type AttributeType = 'S' | 'N' | 'B';

export interface TableSpec {
  description: string;
  hashKey: string;
  rangeKey: string;
  attributes: Record<string, AttributeType>;
  globalSecondaryIndexes: Array<{
    name: string;
    description: string;
    hashKey: string;
    rangeKey: string;
    projection: 'ALL';
  }>;
  ttlAttribute: string | null;
}

export interface QueueSpec {
  description: string;
  visibilityTimeoutSeconds: number;
  messageRetentionSeconds: number;
  maxReceiveCount: number;
  deadLetterQueue: string;
}

export interface RuleSpec {
  description: string;
  eventPattern: Record<string, unknown>;
  target: string;
}

export interface Manifest {
  tables: Record<'leads' | 'tenants' | 'runtime', TableSpec>;
  eventBus: { name: string; archiveRetentionDays: number };
  queues: Record<'lead-intake' | 'crm-sync', QueueSpec>;
  deadLetterQueues: Record<string, { messageRetentionSeconds: number }>;
  rules: Record<string, RuleSpec>;
  buckets: Record<'tenant-assets', { description: string; versioning: boolean }>;
  identity: {
    userPoolName: string;
    appClientName: string;
    customAttributes: Array<{ name: string; type: 'String'; maxLength: number }>;
    groups: string[];
  };
}

export const manifest: Manifest = manifestJson as Manifest;

export type TableName = keyof Manifest['tables'];
export type QueueName = keyof Manifest['queues'];
