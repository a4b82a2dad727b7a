import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PERMISSION_MATRIX, type Permission } from '@leadflow/auth';
import { compileSchema, declaredStatuses, problemType } from '@leadflow/core';
import { SERVICE_PORTS } from '../demo-data';
import { OPENAPI_PATH, openApiDocument, operationsByService, serialise } from '../openapi-document';

const allOperations = Object.values(operationsByService).flat();

describe('the OpenAPI document', () => {
  it('when generated from the code, then it equals the committed openapi.json', () => {
    const committed = readFileSync(join(__dirname, '../..', OPENAPI_PATH), 'utf8');
    expect(committed).toBe(serialise(openApiDocument()));
  });

  it('when an operation needs a signed-in caller, then it names the roles that may call it, as the permission matrix says', () => {
    const document = openApiDocument() as {
      paths: Record<
        string,
        Record<string, { 'x-permission'?: string; 'x-roles'?: string[]; description?: string }>
      >;
    };
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));
    const signedIn = operations.filter((operation) => operation['x-permission'] !== undefined);
    expect(signedIn.length).toBeGreaterThan(30);
    for (const operation of signedIn) {
      const roles = PERMISSION_MATRIX[operation['x-permission'] as Permission];
      expect(operation['x-roles']).toEqual([...roles]);
      expect(operation.description).toContain(`Roles: ${roles.join(', ')}.`);
    }
  });

  it('when errors are documented, then their type and headers are the ones the services send', () => {
    const document = openApiDocument() as {
      components: {
        responses: Record<
          string,
          {
            headers?: Record<string, unknown>;
            content: Record<string, { example: { type: string } }>;
          }
        >;
      };
    };
    const { responses } = document.components;
    const example = (name: string) => Object.values(responses[name]!.content)[0]!.example;
    expect(example('Error422').type).toBe(problemType('idempotency_key_reused'));
    expect(Object.keys(responses.Error401!.headers!)).toContain('WWW-Authenticate');
    expect(Object.keys(responses.Error409!.headers!)).toContain('Retry-After');
    for (const response of Object.values(responses))
      expect(Object.keys(response.headers!)).toContain('X-Request-Id');
  });

  it('when operations are listed, then every operationId is unique', () => {
    const ids = allOperations.map((o) => o.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each(Object.entries(operationsByService))(
    'when %s declares an operation, then its path is one that service owns',
    (service, operations) => {
      const owned: Record<string, RegExp> = {
        ingestion: /^\/v1\/ingest\//,
        leads: /^\/v1\/leads(\/|$)/,
        'crm-sync': /^\/v1\/crm-sync\//,
        'tenant-config':
          /^\/v1\/(tenant|tenants|forms|api-keys|crm-connections|members|public)(\/|$)/,
      };
      for (const operation of operations) expect(operation.path).toMatch(owned[service]!);
    },
  );

  it('when a path is answered by one service, then its servers name that service’s `make dev` port', () => {
    const paths = (
      openApiDocument() as { paths: Record<string, { servers?: Array<{ url: string }> }> }
    ).paths;
    for (const [service, operations] of Object.entries(operationsByService))
      for (const { path } of operations)
        expect({ path, servers: paths[path]?.servers?.map((s) => s.url) }).toEqual({
          path,
          servers: [
            'https://api.leadflow.example',
            `http://localhost:${SERVICE_PORTS[service as keyof typeof SERVICE_PORTS]}`,
          ],
        });
  });

  it('when an operation shows an example, then the example is valid against its own schema', () => {
    for (const operation of allOperations) {
      if (operation.body && operation.bodyExample !== undefined) {
        const validate = compileSchema(operation.body);
        expect({
          operation: operation.operationId,
          valid: validate(structuredClone(operation.bodyExample)),
          errors: validate.errors,
        }).toMatchObject({ valid: true });
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.schema && response.example !== undefined) {
          const validate = compileSchema(response.schema);
          expect({
            operation: `${operation.operationId} ${status}`,
            valid: validate(structuredClone(response.example)),
            errors: validate.errors,
          }).toMatchObject({ valid: true });
        }
      }
    }
  });

  it('when an operation answers, then every success response has an example', () => {
    for (const operation of allOperations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (response.schema)
          expect({
            operation: `${operation.operationId} ${status}`,
            hasExample: response.example !== undefined,
          }).toEqual({ operation: `${operation.operationId} ${status}`, hasExample: true });
      }
      expect(declaredStatuses(operation)).toContain(500);
    }
  });
});

/** Table text without prettier's column padding. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replace(/^-+$/, '-')),
    );
}

describe('the README', () => {
  it('when services read environment variables, then the README’s table lists exactly them', async () => {
    const { environmentTable } = await import('../service-configs');
    const readme = readFileSync(join(__dirname, '../..', 'README.md'), 'utf8');
    const block =
      /<!-- environment:start[^>]*-->\n([\s\S]*?)<!-- environment:end -->/.exec(readme)?.[1] ?? '';
    expect(cells(block)).toEqual(cells(environmentTable()));
  });
});
