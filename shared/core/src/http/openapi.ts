import type { TObject, TSchema } from '@sinclair/typebox';
import { STATUS_BY_CODE, TITLE_BY_CODE, type ErrorCode } from '../errors';
import { declaredStatuses, isConditionalGet, type Operation, type ResponseSpec } from './operation';
import { PROBLEM_CONTENT_TYPE, ProblemSchema, problemType, type Problem } from './problem';
import { RateLimitHeaders } from './rate-limit';

const schemaNames = new WeakMap<object, string>();

/** Names a schema: the OpenAPI document shows it once under components and refers to it. */
export function named<T extends TSchema>(name: string, schema: T): T {
  schemaNames.set(schema, name);
  return schema;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

class SchemaCollector {
  readonly components: Record<string, Json> = {};

  toJson(schema: unknown, root = true): Json {
    if (schema === null || typeof schema !== 'object') return schema as Json;
    const name = schemaNames.get(schema);
    if (name && !root) {
      if (!(name in this.components)) {
        this.components[name] = {};
        this.components[name] = this.toJson(schema, true);
      }
      return { $ref: `#/components/schemas/${name}` };
    }
    if (Array.isArray(schema)) return schema.map((item) => this.toJson(item, false));
    const out: Record<string, Json> = {};
    for (const [key, value] of Object.entries(schema)) out[key] = this.toJson(value, false);
    return out;
  }
}

const ERROR_CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  412: 'precondition_failed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'idempotency_key_reused',
  428: 'precondition_required',
  429: 'rate_limited',
  500: 'internal',
  503: 'dependency_unavailable',
};

const ERROR_DETAILS: Record<number, string> = {
  400: 'The request body is invalid',
  401: 'The bearer token has expired',
  403: 'Your role may not do this',
  404: 'Lead not found',
  405: 'PUT is not allowed here; use GET, PATCH',
  409: 'The resource changed or already exists',
  410: 'The resource is gone',
  412: 'The resource changed since you read it; fetch it again',
  413: 'The request body exceeds the limit of 32768 bytes',
  415: 'The request body must be application/json',
  422: 'This Idempotency-Key was used with a different request',
  428: 'This update needs an If-Match header with the ETag you read',
  429: 'Too many requests; retry after the time in Retry-After',
  500: 'An unexpected error occurred',
  503: 'A dependency did not answer in time; retry after the time in Retry-After',
};

/** Every answer carries its request id: the one the client sent (if well-formed) or a new one. */
const REQUEST_ID_HEADER: Record<string, Json> = {
  'X-Request-Id': {
    description:
      'The id of this request, as in the logs and in a problem’s `instance`: the X-Request-Id the client sent (1–128 of `A-Za-z0-9._-`), or a new one.',
    schema: { type: 'string' },
  },
};

const REQUEST_ID_PARAMETER: Json = {
  name: 'X-Request-Id',
  in: 'header',
  required: false,
  description:
    'Your id for this request (1–128 of `A-Za-z0-9._-`), kept in the logs and answered back; another value is replaced by a new id.',
  schema: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
  example: 'checkout-7f3a9c',
};

const retryAfter = (description: string): Json => ({ description, schema: { type: 'integer' } });

/** The headers an error answer carries besides X-Request-Id, by status. */
const ERROR_HEADERS: Record<number, Record<string, Json>> = {
  401: {
    'WWW-Authenticate': {
      description:
        'How to authenticate: `Bearer` (with `error="invalid_request"` for a malformed header) on bearer operations, `ApiKey header="X-Api-Key"` on API-key ones.',
      schema: { type: 'string' },
    },
  },
  405: { Allow: { description: 'The methods this path accepts.', schema: { type: 'string' } } },
  409: {
    'Retry-After': retryAfter(
      'Only while a request with the same Idempotency-Key is still being processed: seconds to wait before retrying it.',
    ),
  },
  429: {
    'Retry-After': retryAfter('Seconds to wait before retrying.'),
    ...Object.fromEntries(
      Object.entries(RateLimitHeaders).map(([name, header]) => [
        name,
        { description: header.description, schema: { type: 'string' } },
      ]),
    ),
  },
  503: { 'Retry-After': retryAfter('Seconds to wait before retrying.') },
};

/** The problem an error status answers in the document's examples. */
function exampleProblem(status: number): Problem {
  const code = ERROR_CODE_BY_STATUS[status] ?? 'internal';
  return {
    type: problemType(code),
    title: TITLE_BY_CODE[code],
    status: STATUS_BY_CODE[code],
    detail: ERROR_DETAILS[status] ?? TITLE_BY_CODE[code],
    instance: 'urn:request:01JDQ3V6Z8R6J5X1M8T0N4K2W9',
    ...(status === 400
      ? { errors: [{ field: 'body.email', message: 'must match format "email"' }] }
      : {}),
  };
}

function errorResponse(status: number, page?: Operation['errorPages']): Json {
  const example = exampleProblem(status);
  const content: Record<string, Json> = {
    [PROBLEM_CONTENT_TYPE]: {
      schema: { $ref: '#/components/schemas/Problem' },
      // A Problem is plain JSON; its interface only lacks Json's index signature.
      example: JSON.parse(JSON.stringify(example)) as Json,
    },
  };
  if (page) content['text/html'] = { schema: { type: 'string' }, example: page.example(example) };
  return {
    description: page ? `${example.title}. ${page.description}` : example.title,
    content,
    headers: { ...REQUEST_ID_HEADER, ...ERROR_HEADERS[status] },
  };
}

function parameters(
  collector: SchemaCollector,
  location: 'path' | 'query',
  schema: TObject | undefined,
): Json[] {
  if (!schema) return [];
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties).map(([name, property]) => {
    const parameter: Record<string, Json> = {
      name,
      in: location,
      required: location === 'path' || required.has(name),
      schema: collector.toJson(property, false),
    };
    if (property.description) parameter.description = property.description;
    if (property.examples !== undefined)
      parameter.example = (property.examples as Json[])[0] ?? null;
    else if (property.example !== undefined) parameter.example = property.example as Json;
    return parameter;
  });
}

function successResponse(collector: SchemaCollector, spec: ResponseSpec): Json {
  const response: Record<string, Json> = { description: spec.description };
  if (spec.schema) {
    const media: Record<string, Json> = { schema: collector.toJson(spec.schema, false) };
    if (spec.example !== undefined) media.example = spec.example as Json;
    response.content = { [spec.contentType ?? 'application/json']: media };
  }
  response.headers = {
    ...REQUEST_ID_HEADER,
    ...Object.fromEntries(
      Object.entries(spec.headers ?? {}).map(([name, header]) => [
        name,
        { description: header.description, schema: collector.toJson(header.schema, false) },
      ]),
    ),
  };
  return response;
}

const IF_NONE_MATCH_PARAMETER: Json = {
  name: 'If-None-Match',
  in: 'header',
  required: false,
  description: 'The ETag you have: 304 without a body while it is still the current one.',
  schema: { type: 'string' },
  example: '"3"',
};

const NOT_MODIFIED: Json = { description: 'Not modified: the ETag you sent is still current.' };

function operationObject(collector: SchemaCollector, operation: Operation): Json {
  const object: Record<string, Json> = {
    operationId: operation.operationId,
    summary: operation.summary,
    tags: operation.tags,
  };
  const { auth } = operation;
  const rolesNote =
    auth.scheme === 'bearer' && auth.roles ? `Roles: ${auth.roles.join(', ')}.` : undefined;
  const description = [operation.description, rolesNote].filter(Boolean).join('\n\n');
  if (description) object.description = description;
  if (auth.scheme === 'bearer') {
    object.security = [{ bearerAuth: [] }];
    object['x-permission'] = auth.permission;
    if (auth.roles) object['x-roles'] = [...auth.roles];
  } else if (auth.scheme === 'apiKey') {
    object.security = [{ apiKey: [] }];
  } else {
    object.security = [];
  }
  const headerParameters: Json[] = Object.entries(operation.requestHeaders ?? {}).map(
    ([name, header]) => {
      const parameter: Record<string, Json> = {
        name,
        in: 'header',
        required: header.required ?? false,
        description: header.description,
        schema: collector.toJson(header.schema, false),
      };
      if (header.example !== undefined) parameter.example = header.example;
      return parameter;
    },
  );
  const conditional = isConditionalGet(operation);
  const allParameters = [
    ...parameters(collector, 'path', operation.params),
    ...parameters(collector, 'query', operation.query),
    ...headerParameters,
    ...(conditional ? [IF_NONE_MATCH_PARAMETER] : []),
    REQUEST_ID_PARAMETER,
  ];
  object.parameters = allParameters;
  if (operation.body) {
    const content: Record<string, Json> = {};
    for (const type of operation.bodyContentTypes ?? ['application/json']) {
      const media: Record<string, Json> = { schema: collector.toJson(operation.body, false) };
      if (operation.bodyExample !== undefined) media.example = operation.bodyExample as Json;
      content[type] = media;
    }
    object.requestBody = { required: true, content };
  }
  const responses: Record<string, Json> = {};
  for (const status of declaredStatuses(operation)) {
    const spec = operation.responses[status];
    responses[String(status)] = spec
      ? successResponse(collector, spec)
      : operation.errorPages
        ? errorResponse(status, operation.errorPages)
        : { $ref: `#/components/responses/Error${status}` };
  }
  if (conditional) responses['304'] = NOT_MODIFIED;
  object.responses = responses;
  return object;
}

export interface OpenApiInfo {
  title: string;
  version: string;
  description: string;
  servers: Array<{ url: string; description: string }>;
  tags: Array<{ name: string; description: string }>;
}

/** One OpenAPI 3.1 document from every service's operations. */
export function buildOpenApiDocument(info: OpenApiInfo, operations: readonly Operation[]): Json {
  const collector = new SchemaCollector();
  const paths: Record<string, Record<string, Json>> = {};
  const sorted = [...operations].sort(
    (a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
  );
  const errorStatuses = new Set<number>();
  for (const operation of sorted) {
    (paths[operation.path] ??= {})[operation.method] = operationObject(collector, operation);
    for (const status of declaredStatuses(operation))
      if (!operation.responses[status]) errorStatuses.add(status);
  }
  const responses = Object.fromEntries(
    [...errorStatuses]
      .sort((a, b) => a - b)
      .map((status) => [`Error${status}`, errorResponse(status)]),
  );
  const problem = collector.toJson(ProblemSchema, true);
  return {
    openapi: '3.1.0',
    info: {
      title: info.title,
      version: info.version,
      description: info.description,
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: info.servers,
    tags: info.tags,
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An ID token from the tenant user pool (Cognito by default). The tenant comes from its claims; the role from the tenant’s member list (a platform admin’s from its claims). Each operation lists the roles that may call it (`x-roles`).',
        },
        apiKey: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Api-Key',
          description:
            'A tenant API key (lf_live_…) for server-to-server ingestion. Created by a tenant admin; shown once.',
        },
      },
      schemas: { Problem: problem, ...collector.components },
      responses,
    },
  };
}
