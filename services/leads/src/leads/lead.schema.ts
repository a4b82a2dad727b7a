import { Type, type Static } from '@sinclair/typebox';
import { requires } from '@leadflow/auth';
import {
  ConsentRecordSchema,
  CustomValueSchema,
  CustomValuesSchema,
  LEAD_SOURCES,
  LEAD_STATUS_PATTERN,
  LeadContextSchema,
  LeadFieldsSchema,
  LeadSourceSchema,
} from '@leadflow/contracts';
import {
  defineOperation,
  ETagHeader,
  IfMatchHeader,
  named,
  pageOf,
  PaginationQuery,
  ULID_PATTERN,
} from '@leadflow/core';

export const LeadParams = Type.Object({
  leadId: Type.String({ pattern: ULID_PATTERN, description: 'The lead id (a ULID).' }),
});

/** A lead's ETag changes with its CRM sync state too, which If-Match does not compare. */
const LeadETagHeader = {
  ETag: {
    ...ETagHeader.ETag,
    description:
      'The lead’s version, and after a dot a digest of its CRM sync state (`"4"`, `"4.9f86d081884c7d65"`): a GET with If-None-Match answers 200 when either changed. Send it in If-Match as it is; an update compares the version only.',
  },
};

export const SyncStatusSchema = named(
  'SyncStatus',
  Type.Object(
    {
      connectionId: Type.String(),
      crmType: Type.String(),
      state: Type.Union([Type.Literal('pending'), Type.Literal('synced'), Type.Literal('failed')], {
        description:
          'pending: this version is being written to the CRM (no lastError) or waits for a retry (lastError says why); synced: the CRM has this version; failed: given up or refused until someone acts (lastError says why; the redrive operation retries what waits in the dead-letter queue).',
      }),
      externalId: Type.Optional(Type.String({ description: 'The record’s id in the CRM.' })),
      lastAttemptAt: Type.String({
        format: 'date-time',
        description: 'When the attempt in progress began, or when the latest attempt ended.',
      }),
      lastError: Type.Optional(
        Type.String({
          description:
            'Why the latest attempt failed. One that begins "the CRM may still apply this attempt:" sent its request but got no answer: the next attempt waits until the CRM could have applied it.',
        }),
      ),
      leadVersion: Type.Integer({ description: 'The lead version this state describes.' }),
      syncedVersion: Type.Optional(
        Type.Integer({
          description:
            'The newest lead version the CRM got: the same as leadVersion once synced, older while a newer version is pending or failed, 0 while none was. Absent when not known: on a status last written before it was recorded (November 2026).',
        }),
      ),
      refused: Type.Optional(
        Type.Literal(true, {
          description:
            'This version cannot reach the CRM as it is (the CRM refused its data, such as an e-mail it does not accept, or an erasure could not be verified): it is not sent again, not even by a redrive; the lead’s next change is. Absent when the connection was at fault (fix it and redrive).',
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

const { consents: _consents, ...contextProperties } = LeadContextSchema.properties;
const StoredContextSchema = Type.Object(contextProperties, { additionalProperties: false });

const leadProperties = {
  id: Type.String(),
  status: Type.String({ description: 'One of the tenant’s pipeline statuses.' }),
  ownerId: Type.Optional(Type.String({ description: 'The member the lead is assigned to.' })),
  formId: Type.Optional(Type.String()),
  source: LeadSourceSchema,
  fields: LeadFieldsSchema,
  custom: CustomValuesSchema,
  isTest: Type.Boolean({
    description:
      'A test lead: an ad platform’s test delivery, or one sent with `isTest` to /v1/ingest/leads. Stored, listed, exported and synced to the CRMs like any other lead; de-duplication by e-mail matches test leads only with test leads, so a test lead is never merged into a real one, nor a real one into it. Leads entered by hand are never test leads. List with `isTest=false` to leave test leads out.',
  }),
  version: Type.Integer({
    description:
      'Increases with every change of the lead; the ETag is this version, with a digest of `sync` after a dot once the lead has a sync state.',
  }),
  createdAt: Type.String({
    format: 'date-time',
    description:
      'When the lead came in: when ingestion accepted its submission (even if it was stored later), or when it was created through this API.',
  }),
  updatedAt: Type.String({ format: 'date-time' }),
  deletedAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Set while the lead is deleted (admins only see it).',
    }),
  ),
  erasedAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'Set once the lead’s personal data was erased (GDPR). Only admins see such a tombstone (on GET and in lists, where it is included without includeDeleted); to other roles it answers 404 like a lead that does not exist. Exports leave it out.',
    }),
  ),
};

export const LeadSummarySchema = named(
  'LeadSummary',
  Type.Object(leadProperties, { additionalProperties: false }),
);

export const LeadSchema = named(
  'Lead',
  Type.Object(
    {
      ...leadProperties,
      consents: Type.Array(ConsentRecordSchema, {
        description: 'Every consent given, with its exact text and time; never overwritten.',
      }),
      context: Type.Optional(StoredContextSchema),
      externalId: Type.Optional(Type.String()),
      sync: Type.Array(SyncStatusSchema, {
        description: 'The lead’s state in each CRM connection.',
      }),
    },
    { additionalProperties: false },
  ),
);
export type Lead = Static<typeof LeadSchema>;
export type LeadSummary = Static<typeof LeadSummarySchema>;

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Optional(Type.Union([schema, Type.Null()]));

export const CreateLeadBody = Type.Object(
  {
    fields: LeadFieldsSchema,
    custom: Type.Optional(CustomValuesSchema),
    status: Type.Optional(Type.String({ pattern: LEAD_STATUS_PATTERN })),
    ownerId: Type.Optional(Type.String({ maxLength: 64 })),
    consents: Type.Optional(Type.Array(ConsentRecordSchema, { maxItems: 20 })),
  },
  { additionalProperties: false },
);
export type CreateLead = Static<typeof CreateLeadBody>;

export const PatchLeadBody = Type.Object(
  {
    status: Type.Optional(Type.String({ pattern: LEAD_STATUS_PATTERN })),
    fields: Type.Optional(
      Type.Object(
        {
          email: nullable(Type.String({ format: 'email', maxLength: 254 })),
          firstName: nullable(Type.String({ maxLength: 100 })),
          lastName: nullable(Type.String({ maxLength: 100 })),
          phone: nullable(Type.String({ maxLength: 32 })),
          company: nullable(Type.String({ maxLength: 200 })),
          jobTitle: nullable(Type.String({ maxLength: 200 })),
          message: nullable(Type.String({ maxLength: 5000 })),
        },
        { additionalProperties: false, description: 'Fields to change; null clears one.' },
      ),
    ),
    custom: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
        Type.Union([CustomValueSchema, Type.Null()]),
        {
          additionalProperties: false,
          maxProperties: 100,
          description: 'Custom fields to change; null clears one.',
        },
      ),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchLead = Static<typeof PatchLeadBody>;

const filters = {
  status: Type.Optional(
    Type.String({ pattern: LEAD_STATUS_PATTERN, description: 'Only leads in this status.' }),
  ),
  ownerId: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Only leads of this member; `unassigned` for leads without one.',
    }),
  ),
  formId: Type.Optional(Type.String({ maxLength: 40 })),
  source: Type.Optional(Type.Union(LEAD_SOURCES.map((s) => Type.Literal(s)))),
  createdFrom: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Created (`createdAt`) at or after (inclusive). A leap second answers 400.',
    }),
  ),
  createdTo: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Created (`createdAt`) before (exclusive). A leap second answers 400.',
    }),
  ),
  email: Type.Optional(
    Type.String({
      format: 'email',
      maxLength: 254,
      description: 'Exact e-mail, case-insensitive.',
    }),
  ),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description:
        'Prefix of the name, last name or company, case-insensitive; leading and trailing spaces are ignored, and blanks alone answer 400.',
    }),
  ),
  isTest: Type.Optional(
    Type.Boolean({ description: 'Only test leads (true) or only real ones (false).' }),
  ),
  includeDeleted: Type.Optional(
    Type.Boolean({ default: false, description: 'Admins: include deleted leads.' }),
  ),
};
export const LeadFilterQuery = Type.Object(filters, { additionalProperties: false });
/** The export shows live leads only: its rows have no column to tell a deleted one. */
export const ExportLeadsQuery = Type.Object(
  {
    ...filters,
    includeDeleted: Type.Optional(
      Type.Literal(false, {
        description: 'Deleted leads are never exported: only false (as in a list’s URL) is taken.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LeadFilters = Static<typeof LeadFilterQuery>;
export const ListLeadsQuery = Type.Object(
  { ...PaginationQuery, ...filters },
  { additionalProperties: false },
);

const exampleSummary: LeadSummary = {
  id: '01JDQ6C3D4E5F6G7H8J9K0MNPQ',
  status: 'new',
  ownerId: '3f1c2e4a-8b9d-4c1e-9f2a-7d6b5c4a3e21',
  formId: '01JDQ3V6Z8R6J5X1M8T0N4K2W9',
  source: 'form',
  fields: {
    email: 'jane.doe@example.com',
    firstName: 'Jane',
    lastName: 'Doe',
    phone: '+4930123456',
    company: 'Example GmbH',
  },
  custom: { budget: 5000 },
  isTest: false,
  version: 2,
  createdAt: '2026-11-26T09:12:00.000Z',
  updatedAt: '2026-11-26T10:00:00.000Z',
};

export const exampleLead: Lead = {
  ...exampleSummary,
  consents: [
    {
      key: 'privacy',
      text: 'I agree to the privacy policy.',
      given: true,
      at: '2026-11-26T09:12:00.000Z',
    },
  ],
  context: {
    utm: { source: 'google', medium: 'cpc', campaign: 'winter' },
    pageUrl: 'https://www.demo.test/offer',
    referrer: 'https://www.google.com/',
    userAgent: 'Mozilla/5.0',
    ip: '203.0.113.7',
  },
  sync: [
    {
      connectionId: '01JDQ5B2C3D4E5F6G7H8J9K0MN',
      crmType: 'hubspot',
      state: 'synced',
      externalId: '51',
      lastAttemptAt: '2026-11-26T09:12:03.000Z',
      leadVersion: 2,
    },
  ],
};

const readable = requires('leads:read');
const agentScope = ' Agents see only leads assigned to them or unassigned; other leads answer 404.';
const leadRace =
  ' The change is made on the lead as it is then; a lead that other changes keep racing answers 409: try again.';

export const listLeadsOperation = defineOperation({
  method: 'get',
  path: '/v1/leads',
  operationId: 'listLeads',
  summary: 'List leads, newest first',
  description: `Filters combine. A page may hold fewer than \`limit\` leads when filters skip many; follow \`nextCursor\` until it is null.${agentScope}`,
  tags: ['leads'],
  auth: readable,
  query: ListLeadsQuery,
  responses: {
    200: {
      description: 'A page of leads.',
      schema: pageOf(LeadSummarySchema, 'A page of leads.'),
      example: { items: [exampleSummary], nextCursor: 'eyJQSyI6IlRFTkFOVCNkZW1vIn0' },
    },
  },
});

export const createLeadOperation = defineOperation({
  method: 'post',
  path: '/v1/leads',
  operationId: 'createLead',
  summary: 'Enter a lead by hand',
  description:
    'Custom fields must match the tenant’s lead schema, the status its pipeline (default: the first status). With de-duplication by e-mail on, an e-mail the tenant already has answers 409, naming the lead that has it (in the problem’s `leadId`) to callers who may read every lead. Agents may leave `ownerId` out or name themselves; giving the lead to another member needs a manager or admin (403).',
  tags: ['leads'],
  auth: requires('leads:create'),
  body: CreateLeadBody,
  bodyExample: {
    fields: {
      email: 'jane.doe@example.com',
      firstName: 'Jane',
      lastName: 'Doe',
      company: 'Example GmbH',
    },
    custom: { budget: 5000 },
  },
  responses: {
    201: {
      description: 'Created.',
      schema: LeadSchema,
      example: { ...exampleLead, source: 'manual', version: 1, sync: [] },
      headers: LeadETagHeader,
    },
  },
  errors: [409],
});

export const getLeadOperation = defineOperation({
  method: 'get',
  path: '/v1/leads/{leadId}',
  operationId: 'getLead',
  summary: 'A lead, with its consents, context and CRM sync state',
  description: `The ETag is the lead’s version, for If-Match. The id ingestion answered 202 with names the lead once the leads service stored it (until then 404), unless de-duplication merged the submission into a lead the tenant already had: then it answers 308, to that lead.${agentScope}`,
  tags: ['leads'],
  auth: readable,
  params: LeadParams,
  responses: {
    200: {
      description: 'The lead.',
      schema: LeadSchema,
      example: exampleLead,
      headers: LeadETagHeader,
    },
    308: {
      description:
        'The id is that of a submission merged into another lead (de-duplication by e-mail): `Location` names that lead, whose id is the one that counts from then on. Answered only when the caller may see that lead; otherwise 404.',
      headers: {
        Location: {
          description: 'The lead the submission was merged into: /v1/leads/{its id}.',
          schema: Type.String(),
        },
      },
    },
  },
  errors: [404],
});

export const updateLeadOperation = defineOperation({
  method: 'patch',
  path: '/v1/leads/{leadId}',
  operationId: 'updateLead',
  summary: 'Change a lead’s status or fields',
  description: `Needs If-Match: 428 without it, 412 when the lead changed since you read it. Every change lands on the timeline; a patch that changes nothing answers the lead as it is, with no new version. A deleted lead cannot be changed until it is restored, nor an erased one (409).${agentScope}`,
  tags: ['leads'],
  auth: requires('leads:update'),
  params: LeadParams,
  requestHeaders: IfMatchHeader,
  body: PatchLeadBody,
  bodyExample: {
    status: 'contacted',
    fields: { jobTitle: 'Head of Sales' },
    custom: { budget: 7500 },
  },
  responses: {
    200: {
      description: 'The changed lead.',
      schema: LeadSchema,
      example: { ...exampleLead, status: 'contacted', version: 3 },
      headers: LeadETagHeader,
    },
  },
  errors: [404, 409, 412, 428],
});

export const deleteLeadOperation = defineOperation({
  method: 'delete',
  path: '/v1/leads/{leadId}',
  operationId: 'deleteLead',
  summary: 'Delete a lead (soft; it can be restored)',
  description: `Deleting a deleted lead is harmless.${leadRace}`,
  tags: ['leads'],
  auth: requires('leads:delete'),
  params: LeadParams,
  responses: { 204: { description: 'Deleted.' } },
  errors: [404, 409],
});

export const restoreLeadOperation = defineOperation({
  method: 'post',
  path: '/v1/leads/{leadId}/restore',
  operationId: 'restoreLead',
  summary: 'Restore a deleted lead',
  description: `An erased lead cannot be restored (409).${leadRace}`,
  tags: ['leads'],
  auth: requires('leads:delete'),
  params: LeadParams,
  responses: {
    200: {
      description: 'The restored lead.',
      schema: LeadSchema,
      example: exampleLead,
      headers: LeadETagHeader,
    },
  },
  errors: [404, 409],
});

export const eraseLeadOperation = defineOperation({
  method: 'post',
  path: '/v1/leads/{leadId}/erasure',
  operationId: 'eraseLead',
  summary: 'Erase a lead’s personal data (GDPR)',
  description: `Removes personal data from the lead, its notes, raw submissions and activities; keeps a tombstone (id, status, source, dates) and tells the CRMs (lead.erased). Cannot be undone. Repeating it is harmless.${leadRace}`,
  tags: ['leads'],
  auth: requires('leads:erase'),
  params: LeadParams,
  responses: {
    200: {
      description: 'The tombstone.',
      schema: LeadSchema,
      example: {
        ...exampleLead,
        fields: {},
        custom: {},
        consents: [],
        context: {},
        erasedAt: '2026-11-27T08:00:00.000Z',
        version: 3,
        sync: [],
      },
      headers: LeadETagHeader,
    },
  },
  errors: [404, 409],
});

export const assignLeadOperation = defineOperation({
  method: 'post',
  path: '/v1/leads/{leadId}/assign',
  operationId: 'assignLead',
  summary: 'Assign a lead to a member, or unassign it',
  description: `A deleted lead cannot be assigned until it is restored, nor an erased one (409).${leadRace}`,
  tags: ['leads'],
  auth: requires('leads:assign'),
  params: LeadParams,
  body: Type.Object(
    {
      ownerId: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Null()], {
        description: 'A member id, or null to unassign.',
      }),
    },
    { additionalProperties: false },
  ),
  bodyExample: { ownerId: '3f1c2e4a-8b9d-4c1e-9f2a-7d6b5c4a3e21' },
  responses: {
    200: {
      description: 'The assigned lead.',
      schema: LeadSchema,
      example: exampleLead,
      headers: LeadETagHeader,
    },
  },
  errors: [404, 409],
});

export const resyncLeadOperation = defineOperation({
  method: 'post',
  path: '/v1/leads/{leadId}/resync',
  operationId: 'resyncLead',
  summary: 'Push a lead to every CRM connection again',
  description: `A deleted lead is not synced until it is restored, nor an erased one (409).${leadRace}`,
  tags: ['leads'],
  auth: requires('leads:resync'),
  params: LeadParams,
  responses: {
    202: {
      description: 'Queued for the CRM sync.',
      schema: Type.Object(
        { leadId: Type.String(), status: Type.Literal('queued') },
        { additionalProperties: false },
      ),
      example: { leadId: exampleLead.id, status: 'queued' },
    },
  },
  errors: [404, 409],
});

export const exportLeadsOperation = defineOperation({
  method: 'get',
  path: '/v1/leads/export.csv',
  operationId: 'exportLeads',
  summary: 'Export leads as CSV',
  description:
    'Streams every live lead matching the filters (as in listLeads; deleted and erased leads are not exported, so `includeDeleted=true` answers 400), newest first: one row per lead, the standard fields, then the tenant’s custom fields (headed by their keys; one named like a built-in column, such as `status`, is headed `custom.status`). Text that a spreadsheet would read as a formula (=, +, -, @, tab or carriage return at the start of a cell, or after a comma, semicolon, tab or line break inside it, where a spreadsheet set to another separator would start a cell) gets a quote before it.',
  tags: ['leads'],
  auth: requires('leads:export'),
  query: ExportLeadsQuery,
  responses: {
    200: {
      description: 'CSV (RFC 4180, UTF-8), streamed.',
      contentType: 'text/csv',
      schema: Type.String(),
      example:
        "id,createdAt,status,ownerId,formId,source,email,firstName,lastName,phone,company,jobTitle,message,isTest,budget\r\n01JDQ6C3D4E5F6G7H8J9K0MNPQ,2026-11-26T09:12:00.000Z,new,,01JDQ3V6Z8R6J5X1M8T0N4K2W9,form,jane.doe@example.com,Jane,Doe,'+4930123456,Example GmbH,,,false,5000\r\n",
      headers: {
        'Content-Disposition': {
          description: 'attachment; filename="leads-<date>.csv"',
          schema: Type.String(),
        },
      },
    },
  },
});

export const leadOperations = [
  listLeadsOperation,
  createLeadOperation,
  exportLeadsOperation,
  getLeadOperation,
  updateLeadOperation,
  deleteLeadOperation,
  restoreLeadOperation,
  eraseLeadOperation,
  assignLeadOperation,
  resyncLeadOperation,
];
