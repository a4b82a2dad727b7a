import { type TerraformTree, loadTree } from '../lib/hcl';
import { EVENT_SOURCES } from '@leadflow/contracts';
import {
  eventSourceProblems,
  literalValues,
  reachProblems,
  statementsOf,
  taskStatements,
  wildcardProblems,
} from '../lib/iam';

describe('least privilege of the task and execution roles', () => {
  let tree: TerraformTree;

  beforeAll(async () => {
    tree = await loadTree();
  });

  it('when the role policies are read, then no statement allows a wildcard action or a scopable "*" resource', () => {
    expect(wildcardProblems(tree)).toEqual([]);
  });

  it("when a service's role is read, then it reaches exactly the tables, queues, bus, bucket, secrets and user pool its environment names", () => {
    expect(reachProblems(tree)).toEqual([]);
  });

  it('when a role may put events, then only its own source and detail types', () => {
    expect(
      eventSourceProblems(tree, {
        ingestion: { source: EVENT_SOURCES.ingestion, detailTypes: ['lead.received'] },
        leads: {
          source: EVENT_SOURCES.leads,
          detailTypes: ['lead.created', 'lead.updated', 'lead.erased', 'lead.deleted'],
        },
        'tenant-config': {
          source: EVENT_SOURCES.tenantConfig,
          detailTypes: ['tenant.config.updated'],
        },
      }),
    ).toEqual([]);
  });

  it('when ingestion writes to the tenants table, then it can set an API key’s lastUsedAt and nothing else', () => {
    const writes = taskStatements(tree).ingestion!.filter(
      (s) =>
        s.resources.some((r) => r.includes('module.dynamodb.arns["tenants"]')) &&
        s.actions.some(
          (a) =>
            a.startsWith('dynamodb:') &&
            !/^dynamodb:(Get|Query|Scan|Describe|BatchGet|ConditionCheck)/.test(a),
        ),
    );
    expect(writes).toEqual([
      expect.objectContaining({
        actions: ['dynamodb:UpdateItem'],
        conditions: [
          expect.objectContaining({
            test: 'ForAllValues:StringEquals',
            variable: 'dynamodb:Attributes',
            values: ['PK', 'SK', 'lastUsedAt'],
          }),
        ],
      }),
    ]);
  });
});

describe('reading policy statements', () => {
  const locals = { reads: ['dynamodb:GetItem', 'dynamodb:Query'] };

  it('when actions are built with concat over a local, then the local and the literals are both seen', () => {
    const values = literalValues('${concat(local.reads, ["dynamodb:PutItem"])}', locals);

    expect(values).toEqual(
      expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem']),
    );
  });

  it('when a statement allows s3:* on "*", then both are visible to the wildcard rule', () => {
    const [statement] = statementsOf(
      { statement: [{ sid: 'TooMuch', actions: ['s3:*'], resources: ['*'] }] },
      locals,
    );

    expect(statement).toEqual({
      sid: 'TooMuch',
      effect: 'Allow',
      actions: ['s3:*'],
      resources: ['*'],
      conditions: [],
    });
  });
});
