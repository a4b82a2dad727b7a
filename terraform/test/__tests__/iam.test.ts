import { type TerraformTree, loadTree } from '../lib/hcl';
import { literalValues, reachProblems, statementsOf, wildcardProblems } from '../lib/iam';

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
    });
  });
});
