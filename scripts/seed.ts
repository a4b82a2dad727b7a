/**
 * Seeds the demo world of `make dev` through the services' own APIs, so the seed exercises
 * the code it demonstrates. Every step tolerates having run before.
 */
import {
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { ensureUser, idTokenFor, type LocalPool } from '@leadflow/local-aws';
import {
  DEMO_PASSWORD,
  DEMO_TENANTS,
  FAKE_CRM_PORT,
  PLATFORM_ADMIN,
  SERVICE_PORTS,
} from './demo-data';

/** docker compose points this at the tenant-config container. */
const TENANT_CONFIG =
  process.env.TENANT_CONFIG_URL ?? `http://127.0.0.1:${SERVICE_PORTS['tenant-config']}`;

export interface SeededDemo {
  formKey: string;
  apiKey?: string;
}

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${TENANT_CONFIG}${path}`, {
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
}

async function expectOk(promise: ReturnType<typeof call>, what: string, tolerated: number[] = []) {
  const res = await promise;
  if (res.status >= 300 && !tolerated.includes(res.status))
    throw new Error(`seed: ${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/** Invited users get a temporary password; the demo gives them a known one. */
async function setPassword(pool: LocalPool, email: string): Promise<void> {
  const cognito = new CognitoIdentityProviderClient({
    region: pool.region,
    endpoint: pool.endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    await cognito.send(
      new AdminSetUserPasswordCommand({
        UserPoolId: pool.userPoolId,
        Username: email,
        Password: DEMO_PASSWORD,
        Permanent: true,
      }),
    );
  } finally {
    cognito.destroy();
  }
}

export async function seedDemo(pool: LocalPool): Promise<SeededDemo> {
  await ensureUser(pool, {
    email: PLATFORM_ADMIN,
    password: DEMO_PASSWORD,
    groups: ['platform-admin'],
  });
  const platform = await idTokenFor(pool, PLATFORM_ADMIN, DEMO_PASSWORD);
  let seeded: SeededDemo | undefined;
  for (const tenant of DEMO_TENANTS) {
    const [adminEmail, ...others] = tenant.members;
    await expectOk(
      call(platform, 'POST', '/v1/tenants', {
        name: tenant.name,
        slug: tenant.id,
        defaultCountry: tenant.country,
        timezone: tenant.timezone,
        admin: { email: adminEmail!.email },
      }),
      `create tenant ${tenant.id}`,
      [409],
    );
    await setPassword(pool, adminEmail!.email);
    const admin = await idTokenFor(pool, adminEmail!.email, DEMO_PASSWORD);
    for (const member of others) {
      await expectOk(
        call(admin, 'POST', '/v1/members', { email: member.email, role: member.role }),
        `invite ${member.email}`,
        [409],
      );
      await setPassword(pool, member.email);
    }
    if (tenant.id === 'demo') seeded = await seedDemoTenant(admin);
  }
  return seeded!;
}

/** The demo tenant: a custom field, a published form, an API key and a HubSpot connection to the fake CRM. */
async function seedDemoTenant(admin: string): Promise<SeededDemo> {
  const tenant = await expectOk(call(admin, 'GET', '/v1/tenant'), 'read tenant');
  if (!(tenant.body.customFields as unknown[]).length) {
    await expectOk(
      call(
        admin,
        'PATCH',
        '/v1/tenant',
        { customFields: [{ key: 'budget', label: 'Budget (EUR)', type: 'number', min: 0 }] },
        { 'If-Match': tenant.headers.get('etag') ?? '' },
      ),
      'define custom fields',
    );
  }
  const forms = (await expectOk(call(admin, 'GET', '/v1/forms'), 'list forms')).body
    .items as Array<{ id: string; formKey: string }>;
  let form = forms[0];
  if (!form) {
    form = (
      await expectOk(
        call(admin, 'POST', '/v1/forms', {
          name: 'Contact us',
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
          googleAdsKey: 'demo-google-ads-key',
        }),
        'create form',
      )
    ).body as { id: string; formKey: string };
  }
  await expectOk(call(admin, 'POST', `/v1/forms/${form.id}/publish`), 'publish form');
  const keys = (await expectOk(call(admin, 'GET', '/v1/api-keys'), 'list API keys')).body
    .items as unknown[];
  const apiKey = keys.length
    ? undefined
    : ((
        await expectOk(
          call(admin, 'POST', '/v1/api-keys', { name: 'Demo partner' }),
          'create API key',
        )
      ).body.key as string);
  const connections = (
    await expectOk(call(admin, 'GET', '/v1/crm-connections'), 'list CRM connections')
  ).body.items as unknown[];
  if (!connections.length) {
    // As a HubSpot admin would: the CRM needs a property for the custom field it receives.
    const fakeCrm = process.env.FAKE_CRM_URL ?? `http://127.0.0.1:${FAKE_CRM_PORT}`;
    const configured = await fetch(`${fakeCrm}/_fake/configure`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hubspotProperties: ['budget'] }),
    });
    if (!configured.ok)
      throw new Error(`seed: the fake CRM answered ${configured.status} to its configuration`);
    await expectOk(
      call(admin, 'POST', '/v1/crm-connections', {
        type: 'hubspot',
        name: 'HubSpot (fake CRM of make dev)',
        baseUrl: process.env.FAKE_CRM_URL ?? `http://127.0.0.1:${FAKE_CRM_PORT}`,
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
  return { formKey: form.formKey, ...(apiKey ? { apiKey } : {}) };
}

if (require.main === module) {
  // docker compose: seed once the services answer.
  (async () => {
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
    const { findLocalPool } = await import('@leadflow/local-aws');
    const pool = await findLocalPool(
      process.env.LOCAL_AWS_ENDPOINT ?? 'http://moto:5000',
      'us-east-1',
    );
    const demo = await seedDemo(pool);
    console.log(
      `seeded; demo form key ${demo.formKey}${demo.apiKey ? `; demo API key ${demo.apiKey}` : ''}`,
    );
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
