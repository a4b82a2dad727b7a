/** The deterministic demo world that `make dev` seeds. */
export const LOCAL_AWS_ENDPOINT = process.env.LOCAL_AWS_ENDPOINT ?? 'http://127.0.0.1:4566';
export const LOCAL_REGION = 'us-east-1';
/** Every demo user's password; local only. */
export const DEMO_PASSWORD = 'Leadflow-demo-1!';

export const PLATFORM_ADMIN = 'platform@leadflow.test';

/**
 * The seed recognises its own form and API key by these names, so that a re-run never
 * touches a form or key somebody created (the API's own examples call a form "Contact us").
 */
export const DEMO_FORM_NAME = 'Contact us (demo)';
export const DEMO_API_KEY_NAME = 'Demo partner (make dev)';
export const DEMO_GOOGLE_ADS_KEY = 'demo-google-ads-key';

export interface DemoTenant {
  id: string;
  name: string;
  country: string;
  timezone: string;
  /** The first is the tenant's first admin. */
  members: Array<{ email: string; role: 'admin' | 'manager' | 'agent' | 'viewer' }>;
}

export const DEMO_TENANTS: DemoTenant[] = [
  {
    id: 'demo',
    name: 'Demo GmbH',
    country: 'DE',
    timezone: 'Europe/Berlin',
    members: [
      { email: 'admin@demo.test', role: 'admin' },
      { email: 'manager@demo.test', role: 'manager' },
      { email: 'agent@demo.test', role: 'agent' },
      { email: 'viewer@demo.test', role: 'viewer' },
    ],
  },
  {
    id: 'acme',
    name: 'Acme Ltd',
    country: 'GB',
    timezone: 'Europe/London',
    members: [{ email: 'admin@acme.test', role: 'admin' }],
  },
];

export const DEMO_USERS = [
  PLATFORM_ADMIN,
  ...DEMO_TENANTS.flatMap((t) => t.members.map((m) => m.email)),
];

export const SERVICE_PORTS = {
  ingestion: 3001,
  leads: 3002,
  'crm-sync': 3003,
  'tenant-config': 3004,
} as const;

export const FAKE_CRM_PORT = 3010;
