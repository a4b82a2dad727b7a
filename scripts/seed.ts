/**
 * Seeds the demo world of `make dev` through the services' own APIs, so the seed exercises
 * the code it demonstrates. Every step tolerates having run before, and a re-run touches only
 * what the seed itself created: it finds its form and API key by their names.
 *
 * Alone, against a running system:  npx tsx scripts/seed.ts
 */
import {
  ensureUser,
  findLocalPool,
  idTokenFor,
  setPermanentPassword,
  type LocalPool,
} from '@leadflow/local-aws';
import {
  DEMO_API_KEY_NAME,
  DEMO_FORM_NAME,
  DEMO_GOOGLE_ADS_KEY,
  DEMO_PASSWORD,
  DEMO_TENANTS,
  FAKE_CRM_PORT,
  LOCAL_AWS_ENDPOINT,
  LOCAL_REGION,
  PLATFORM_ADMIN,
  SERVICE_PORTS,
} from './demo-data';

/** docker compose points these at the containers. */
const TENANT_CONFIG =
  process.env.TENANT_CONFIG_URL ?? `http://127.0.0.1:${SERVICE_PORTS['tenant-config']}`;
const FAKE_CRM = process.env.FAKE_CRM_URL ?? `http://127.0.0.1:${FAKE_CRM_PORT}`;

export interface SeededDemo {
  formKey: string;
  /** The key the form's Google Ads webhook expects; absent when someone removed it. */
  googleAdsKey?: string;
  /** A key created by this run: a key is shown only when it is created. */
  apiKey: string;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** tenant-config as one signed-in user calls it. */
export type TenantConfigApi = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse>;

export function tenantConfigApi(token: string, baseUrl = TENANT_CONFIG): TenantConfigApi {
  return async (method, path, body, headers = {}) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    };
  };
}

async function expectOk(promise: Promise<ApiResponse>, what: string, tolerated: number[] = []) {
  const res = await promise;
  if (res.status >= 300 && !tolerated.includes(res.status))
    throw new Error(`seed: ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/** Every item of a paged list (`{ items, nextCursor }`). */
export async function listAll<T>(api: TenantConfigApi, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page = (await expectOk(api('GET', `${path}${query}`), `list ${path}`)).body;
    items.push(...(page.items as T[]));
    cursor = (page.nextCursor as string | null | undefined) ?? null;
  } while (cursor);
  return items;
}

export async function seedDemo(pool: LocalPool): Promise<SeededDemo> {
  await ensureUser(pool, {
    email: PLATFORM_ADMIN,
    password: DEMO_PASSWORD,
    groups: ['platform-admin'],
  });
  const platform = tenantConfigApi(await idTokenFor(pool, PLATFORM_ADMIN, DEMO_PASSWORD));
  let seeded: SeededDemo | undefined;
  for (const tenant of DEMO_TENANTS) {
    const [adminEmail, ...others] = tenant.members;
    await expectOk(
      platform('POST', '/v1/tenants', {
        name: tenant.name,
        slug: tenant.id,
        defaultCountry: tenant.country,
        timezone: tenant.timezone,
        admin: { email: adminEmail!.email },
      }),
      `create tenant ${tenant.id}`,
      [409],
    );
    await setPermanentPassword(pool, adminEmail!.email, DEMO_PASSWORD);
    const admin = tenantConfigApi(await idTokenFor(pool, adminEmail!.email, DEMO_PASSWORD));
    for (const member of others) {
      await expectOk(
        admin('POST', '/v1/members', { email: member.email, role: member.role }),
        `invite ${member.email}`,
        [409],
      );
      await setPermanentPassword(pool, member.email, DEMO_PASSWORD);
    }
    if (tenant.id === 'demo') seeded = await seedDemoTenant(admin);
  }
  return seeded!;
}

/** The demo tenant: a custom field, a published form, an API key and a HubSpot connection to the fake CRM. */
async function seedDemoTenant(admin: TenantConfigApi): Promise<SeededDemo> {
  await ensureCustomField(admin);
  const form = await ensureDemoForm(admin);
  const apiKey = await replaceDemoApiKey(admin);
  await ensureFakeCrmConnection(admin);
  return {
    formKey: form.formKey,
    ...(form.hasGoogleAdsKey ? { googleAdsKey: DEMO_GOOGLE_ADS_KEY } : {}),
    apiKey,
  };
}

async function ensureCustomField(admin: TenantConfigApi): Promise<void> {
  const tenant = await expectOk(admin('GET', '/v1/tenant'), 'read tenant');
  if ((tenant.body.customFields as unknown[]).length) return;
  await expectOk(
    admin(
      'PATCH',
      '/v1/tenant',
      { customFields: [{ key: 'budget', label: 'Budget (EUR)', type: 'number', min: 0 }] },
      { 'If-Match': tenant.headers.get('etag') ?? '' },
    ),
    'define custom fields',
  );
}

export type DemoForm = {
  id: string;
  name: string;
  formKey: string;
  status: 'draft' | 'published';
  hasGoogleAdsKey: boolean;
};

const DEMO_FORM_BODY = {
  name: DEMO_FORM_NAME,
  fields: [
    { key: 'email', required: true },
    { key: 'firstName' },
    { key: 'lastName' },
    { key: 'phone' },
    { key: 'company' },
    { key: 'budget' },
    { key: 'message' },
  ],
  consents: [
    {
      key: 'privacy',
      text: 'I agree that Demo GmbH stores my details to answer my request.',
      required: true,
    },
  ],
  allowedOrigins: ['http://localhost:8080', 'http://127.0.0.1:8080'],
  honeypotField: 'website',
  success: { message: 'Thank you! We will be in touch.' },
  googleAdsKey: DEMO_GOOGLE_ADS_KEY,
};

/** The seed's own form, created when missing and published; other forms stay as they are. */
export async function ensureDemoForm(admin: TenantConfigApi): Promise<DemoForm> {
  const forms = await listAll<DemoForm>(admin, '/v1/forms');
  const form =
    forms.find((f) => f.name === DEMO_FORM_NAME) ??
    ((await expectOk(admin('POST', '/v1/forms', DEMO_FORM_BODY), 'create the demo form'))
      .body as DemoForm);
  if (form.status !== 'published')
    await expectOk(admin('POST', `/v1/forms/${form.id}/publish`), 'publish the demo form');
  return form;
}

interface ApiKeyItem {
  id: string;
  name: string;
  revokedAt?: string;
}

/**
 * A new demo API key, since a key is shown only when created; the seed's earlier ones are
 * revoked so that one demo key works at a time. Keys with other names stay as they are.
 */
export async function replaceDemoApiKey(admin: TenantConfigApi): Promise<string> {
  const earlier = (await listAll<ApiKeyItem>(admin, '/v1/api-keys')).filter(
    (k) => k.name === DEMO_API_KEY_NAME && !k.revokedAt,
  );
  for (const key of earlier)
    await expectOk(admin('DELETE', `/v1/api-keys/${key.id}`), 'revoke the earlier demo API key');
  const created = await expectOk(
    admin('POST', '/v1/api-keys', { name: DEMO_API_KEY_NAME }),
    'create the demo API key',
  );
  return created.body.key as string;
}

async function ensureFakeCrmConnection(admin: TenantConfigApi): Promise<void> {
  const connections = await listAll<unknown>(admin, '/v1/crm-connections');
  if (connections.length) return;
  // As a HubSpot admin would: the CRM needs a property for the custom field it receives.
  const configured = await fetch(`${FAKE_CRM}/_fake/configure`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ hubspotProperties: ['budget'] }),
  });
  if (!configured.ok)
    throw new Error(`seed: the fake CRM answered ${configured.status} to its configuration`);
  await expectOk(
    admin('POST', '/v1/crm-connections', {
      type: 'hubspot',
      name: 'HubSpot (fake CRM of make dev)',
      baseUrl: FAKE_CRM,
      credentials: { accessToken: 'pat-demo-0000-fake-crm-token' },
      fieldMapping: {
        email: 'email',
        firstName: 'firstname',
        lastName: 'lastname',
        phone: 'phone',
        company: 'company',
        'custom.budget': 'budget',
      },
    }),
    'connect the fake HubSpot',
  );
}

if (require.main === module) {
  // Against a running system; docker compose sets LOCAL_AWS_ENDPOINT to its moto container.
  (async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const pool = await findLocalPool(LOCAL_AWS_ENDPOINT, LOCAL_REGION);
    const demo = await seedDemo(pool);
    console.log(
      [
        `seeded; demo form key ${demo.formKey}`,
        ...(demo.googleAdsKey ? [`its Google Ads key ${demo.googleAdsKey}`] : []),
        `demo API key ${demo.apiKey}`,
      ].join('; '),
    );
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
