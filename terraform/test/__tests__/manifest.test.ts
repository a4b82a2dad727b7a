import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TerraformTree, TERRAFORM_ROOT, expression, loadTree, moduleAt } from '../lib/hcl';
import { COMPOSITION_DIR } from '../lib/service-environment';

describe('one source of truth: the resource manifest', () => {
  let tree: TerraformTree;

  beforeAll(async () => {
    tree = await loadTree();
  });

  it('when the composition is read, then it decodes the same manifest file the local bootstrap reads', () => {
    const manifest = expression(moduleAt(tree, COMPOSITION_DIR).locals.manifest) ?? '';
    const match = /^jsondecode\(file\("\$\{path\.module\}\/([^"]+)"\)\)$/.exec(manifest);

    expect(match?.[1]).toBe('../../../shared/resources/manifest.json');
    const resolved = join(TERRAFORM_ROOT, COMPOSITION_DIR, match?.[1] ?? '');
    expect(existsSync(resolved)).toBe(true);
    expect(resolved).toBe(join(TERRAFORM_ROOT, '..', 'shared', 'resources', 'manifest.json'));
  });

  it.each([
    ['dynamodb', 'tables', 'local.manifest.tables'],
    ['sqs', 'queues', 'local.manifest.queues'],
    ['sqs', 'dead_letter_queues', 'local.manifest.deadLetterQueues'],
    ['eventbridge', 'rules', 'local.rules'],
    ['cognito', 'groups', 'local.manifest.identity.groups'],
    ['cognito', 'custom_attributes', 'local.manifest.identity.customAttributes'],
  ])('when module %s is called, then its %s come from %s', (call, argument, source) => {
    const value = moduleAt(tree, COMPOSITION_DIR).moduleCalls.get(call)?.[argument];

    expect(expression(value)).toBe(source);
  });

  it('when rules are built, then each is one of the manifest rules, re-encoded as JSON', () => {
    const rules = expression(moduleAt(tree, COMPOSITION_DIR).locals.rules) ?? '';

    expect(rules).toMatch(/for name, rule in local\.manifest\.rules/);
    expect(rules).toMatch(/jsonencode\(rule\.eventPattern\)/);
  });

  it('when the manifest names tables, queues and rules, then they all exist for Terraform to create', () => {
    const manifest = JSON.parse(
      readFileSync(join(TERRAFORM_ROOT, '..', 'shared', 'resources', 'manifest.json'), 'utf8'),
    ) as {
      queues: Record<string, { deadLetterQueue: string }>;
      deadLetterQueues: object;
      rules: Record<string, { target: string }>;
    };

    for (const queue of Object.values(manifest.queues))
      expect(Object.keys(manifest.deadLetterQueues)).toContain(queue.deadLetterQueue);
    for (const rule of Object.values(manifest.rules))
      expect(Object.keys(manifest.queues)).toContain(rule.target);
  });
});
