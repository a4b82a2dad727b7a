import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import { CRM_TYPES, STANDARD_FIELDS, type CrmType } from '@leadflow/contracts';
import {
  defineOperation,
  ETagHeader,
  IfMatchHeader,
  named,
  pageOf,
  PaginationQuery,
  ULID_PATTERN,
} from '@leadflow/core';

const secret = (minLength: number, maxLength: number, description: string) =>
  Type.String({ minLength, maxLength, description });
const httpUrl = (description: string) =>
  Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2048, description });

export const CREDENTIAL_SCHEMAS: Record<CrmType, TSchema> = {
  hubspot: Type.Object(
    {
      accessToken: secret(10, 1000, 'A private app access token with crm.objects.contacts scopes.'),
    },
    { additionalProperties: false },
  ),
  salesforce: Type.Union(
    [
      Type.Object(
        {
          instanceUrl: httpUrl('Your My Domain URL, e.g. https://acme.my.salesforce.com'),
          refreshToken: secret(
            10,
            2000,
            'An OAuth refresh token of an integration user (the refresh token flow): crm-sync gets access tokens with it from <instanceUrl>/services/oauth2/token, as they end.',
          ),
          clientId: secret(10, 500, 'The consumer key of the connected app that issued it.'),
          clientSecret: secret(10, 500, 'The consumer secret of that connected app.'),
        },
        { additionalProperties: false },
      ),
      Type.Object(
        {
          instanceUrl: httpUrl('Your My Domain URL, e.g. https://acme.my.salesforce.com'),
          accessToken: secret(
            10,
            2000,
            'An OAuth access token of an integration user. It ends with the org’s session timeout (2 hours by default) and must then be given again: prefer a refresh token.',
          ),
        },
        { additionalProperties: false },
      ),
    ],
    {
      description:
        'A refresh token with its connected app’s client id and secret (recommended), or an access token.',
    },
  ),
  pipedrive: Type.Object(
    { apiToken: secret(10, 200, 'A Pipedrive API token.') },
    { additionalProperties: false },
  ),
  webhook: Type.Object(
    {
      url: httpUrl('Where lead events are POSTed (https in production).'),
      signingSecret: secret(16, 200, 'Signs each delivery (HMAC-SHA256); keep it to verify them.'),
    },
    { additionalProperties: false },
  ),
};

const FIELD_KEY = `^(${STANDARD_FIELDS.join('|')}|custom\\.[a-z][a-z0-9_]{0,39})$`;

export const FieldMappingSchema = Type.Record(
  Type.String({ pattern: FIELD_KEY }),
  Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,100}$' }),
  {
    maxProperties: 100,
    additionalProperties: false,
    description:
      'Lead field (a standard field, or custom.<key>) → CRM property. Defaults to the CRM’s usual properties. Salesforce’s Leadflow_Id__c, Id and attributes are set by the sync and cannot be mapped (400).',
  },
);

const common = {
  name: Type.String({ minLength: 1, maxLength: 100 }),
  enabled: Type.Optional(
    Type.Boolean({
      default: true,
      description:
        'A paused connection (false) receives no leads or changes; erasures (GDPR) still reach it.',
    }),
  ),
  baseUrl: Type.Optional(httpUrl('Another API base URL, e.g. a CRM sandbox; https in production.')),
  fieldMapping: Type.Optional(FieldMappingSchema),
};

const CRM_NAMES: Record<CrmType, string> = {
  hubspot: 'HubSpot',
  salesforce: 'Salesforce',
  pipedrive: 'Pipedrive',
  webhook: 'Webhook',
};

const branches = CRM_TYPES.map((type) =>
  named(
    `New${CRM_NAMES[type]}Connection`,
    Type.Object(
      { type: Type.Literal(type), ...common, credentials: CREDENTIAL_SCHEMAS[type] },
      { additionalProperties: false },
    ),
  ),
);

/** One shape per CRM type; `type` picks the shape, so errors name the fields of that type only. */
export const CreateCrmConnectionBody = Type.Unsafe<Static<(typeof branches)[number]>>({
  oneOf: branches,
  discriminator: { propertyName: 'type' },
});
export type CreateCrmConnection = Static<(typeof branches)[number]>;

export const PatchCrmConnectionBody = Type.Object(
  {
    name: Type.Optional(common.name),
    enabled: Type.Optional(Type.Boolean()),
    baseUrl: Type.Optional(
      Type.Union([httpUrl('Another API base URL.'), Type.Null()], {
        description: 'null goes back to the CRM’s own API.',
      }),
    ),
    fieldMapping: Type.Optional(FieldMappingSchema),
    credentials: Type.Optional(
      Type.Record(Type.String({ pattern: '^[A-Za-z]{1,40}$' }), Type.String({ maxLength: 2048 }), {
        additionalProperties: false,
        description:
          'New credentials, in the shape of the connection’s type (see createCrmConnection). Replaces the old ones.',
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchCrmConnection = Static<typeof PatchCrmConnectionBody>;

export const CrmConnectionSchema = named(
  'CrmConnection',
  Type.Object(
    {
      id: Type.String(),
      type: Type.Union(CRM_TYPES.map((t) => Type.Literal(t))),
      name: Type.String(),
      enabled: Type.Boolean(),
      baseUrl: Type.Optional(Type.String()),
      fieldMapping: Type.Record(Type.String(), Type.String()),
      hasCredentials: Type.Boolean({
        description: 'Credentials are stored in Secrets Manager and never shown.',
      }),
      version: Type.Integer(),
      createdAt: Type.String({ format: 'date-time' }),
      updatedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
);
export type CrmConnection = Static<typeof CrmConnectionSchema>;

const ConnectionParams = Type.Object({
  connectionId: Type.String({ pattern: ULID_PATTERN }),
});

const exampleConnection: CrmConnection = {
  id: '01JDQ5B2C3D4E5F6G7H8J9K0MN',
  type: 'hubspot',
  name: 'HubSpot production',
  enabled: true,
  fieldMapping: {
    email: 'email',
    firstName: 'firstname',
    lastName: 'lastname',
    phone: 'phone',
    company: 'company',
    'custom.budget': 'budget',
  },
  hasCredentials: true,
  version: 1,
  createdAt: '2026-11-20T10:00:00.000Z',
  updatedAt: '2026-11-20T10:00:00.000Z',
};

export const listCrmConnectionsOperation = defineOperation({
  method: 'get',
  path: '/v1/crm-connections',
  operationId: 'listCrmConnections',
  summary: 'List CRM connections',
  tags: ['crm-connections'],
  auth: requires('settings:read'),
  query: Type.Object(PaginationQuery, { additionalProperties: false }),
  responses: {
    200: {
      description: 'A page of connections.',
      schema: pageOf(CrmConnectionSchema, 'A page of CRM connections.'),
      example: { items: [exampleConnection], nextCursor: null },
    },
  },
});

export const createCrmConnectionOperation = defineOperation({
  method: 'post',
  path: '/v1/crm-connections',
  operationId: 'createCrmConnection',
  summary: 'Connect a CRM',
  description: `Credentials go to Secrets Manager and are never answered or logged. Every lead of the tenant is pushed to every enabled connection; an erasure goes to paused ones too.`,
  tags: ['crm-connections'],
  auth: requires('settings:write'),
  body: CreateCrmConnectionBody,
  bodyExample: {
    type: 'hubspot',
    name: 'HubSpot production',
    credentials: { accessToken: 'pat-eu1-00000000-0000-0000-0000-000000000000' },
    fieldMapping: { email: 'email', 'custom.budget': 'budget' },
  },
  responses: {
    201: {
      description: 'Connected.',
      schema: CrmConnectionSchema,
      example: exampleConnection,
      headers: ETagHeader,
    },
  },
  errors: [404],
});

export const getCrmConnectionOperation = defineOperation({
  method: 'get',
  path: '/v1/crm-connections/{connectionId}',
  operationId: 'getCrmConnection',
  summary: 'A CRM connection',
  tags: ['crm-connections'],
  auth: requires('settings:read'),
  params: ConnectionParams,
  responses: {
    200: {
      description: 'The connection.',
      schema: CrmConnectionSchema,
      example: exampleConnection,
      headers: ETagHeader,
    },
  },
  errors: [404],
});

export const updateCrmConnectionOperation = defineOperation({
  method: 'patch',
  path: '/v1/crm-connections/{connectionId}',
  operationId: 'updateCrmConnection',
  summary: 'Change a CRM connection, or rotate its credentials',
  description: `Needs If-Match. New credentials are written to Secrets Manager by one request at a time, before the version moves on: a request that loses a race (412 or 409) never stores its credentials, and while another request is changing the credentials every change answers 409 (try again shortly). After a 5xx, repeat the same request with the same If-Match. In production every endpoint must be an absolute, public https URL (400 naming the field).`,
  tags: ['crm-connections'],
  auth: requires('settings:write'),
  params: ConnectionParams,
  requestHeaders: IfMatchHeader,
  body: PatchCrmConnectionBody,
  bodyExample: { enabled: false },
  responses: {
    200: {
      description: 'The changed connection.',
      schema: CrmConnectionSchema,
      example: { ...exampleConnection, enabled: false, version: 2 },
      headers: ETagHeader,
    },
  },
  errors: [404, 409, 412, 428],
});

export const deleteCrmConnectionOperation = defineOperation({
  method: 'delete',
  path: '/v1/crm-connections/{connectionId}',
  operationId: 'deleteCrmConnection',
  summary: 'Disconnect a CRM',
  description: `Its credentials are scheduled for deletion (7 days’ recovery window) first: when Secrets Manager cannot do that, 503 and nothing is deleted; delete again.`,
  tags: ['crm-connections'],
  auth: requires('settings:write'),
  params: ConnectionParams,
  responses: { 204: { description: 'Disconnected.' } },
  errors: [404],
});

export const crmConnectionOperations = [
  listCrmConnectionsOperation,
  createCrmConnectionOperation,
  getCrmConnectionOperation,
  updateCrmConnectionOperation,
  deleteCrmConnectionOperation,
];
