/** The deterministic demo world that `make dev` seeds. */
export const LOCAL_AWS_ENDPOINT = process.env.LOCAL_AWS_ENDPOINT ?? 'http://127.0.0.1:4566';
export const LOCAL_REGION = 'us-east-1';
/** Every demo user's password; local only. */
export const DEMO_PASSWORD = 'Leadflow-demo-1!';

export interface DemoUser {
  email: string;
  tenantId?: string;
  groups: string[];
}

export const DEMO_USERS: DemoUser[] = [
  { email: 'admin@demo.test', tenantId: 'demo', groups: ['admin'] },
  { email: 'manager@demo.test', tenantId: 'demo', groups: ['manager'] },
  { email: 'agent@demo.test', tenantId: 'demo', groups: ['agent'] },
  { email: 'viewer@demo.test', tenantId: 'demo', groups: ['viewer'] },
  { email: 'admin@acme.test', tenantId: 'acme', groups: ['admin'] },
  { email: 'platform@leadflow.test', groups: ['platform-admin'] },
];

export const SERVICE_PORTS = {
  ingestion: 3001,
  leads: 3002,
  'crm-sync': 3003,
  'tenant-config': 3004,
} as const;

export const FAKE_CRM_PORT = 3010;
