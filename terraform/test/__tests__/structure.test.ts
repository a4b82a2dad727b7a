import {
  type ParsedFile,
  type TerraformTree,
  TERRAFORM_ROOT,
  groupModules,
  loadTree,
  parseHcl,
} from '../lib/hcl';
import {
  moduleCallMismatches,
  structuralChecks,
  untypedOrUndescribedVariables,
  unpinnedVersions,
} from '../lib/structure';

async function syntheticTree(files: Record<string, string>): Promise<TerraformTree> {
  const parsed: ParsedFile[] = [];
  for (const [path, contents] of Object.entries(files))
    parsed.push({ path, body: await parseHcl(path, contents) });
  return { root: '/nonexistent', modules: groupModules(parsed) };
}

describe('the structure of terraform/', () => {
  let tree: TerraformTree;

  beforeAll(async () => {
    tree = await loadTree(TERRAFORM_ROOT);
  });

  it('when the tree is read, then it has the modules the issue asks for, two environments and a bootstrap', () => {
    const dirs = [...tree.modules.keys()];

    expect(dirs).toEqual(
      expect.arrayContaining(
        [
          'network',
          'alb',
          'waf',
          'ecs-cluster',
          'ecs-service',
          'dynamodb',
          'eventbridge',
          'sqs',
          'cognito',
          'tenant-assets',
          'ecr',
          'observability',
        ].map((m) => `modules/${m}`),
      ),
    );
    expect(dirs).toEqual(expect.arrayContaining(['envs/dev', 'envs/prod', 'bootstrap']));
  });

  it.each(structuralChecks({ root: TERRAFORM_ROOT, modules: new Map() }).map((c) => c.name))(
    'when checked, then %s',
    (name) => {
      const check = structuralChecks(tree).find((c) => c.name === name);

      expect(check?.problems).toEqual([]);
    },
  );
});

describe('the structural checks themselves', () => {
  const moduleFiles = {
    'modules/m/variables.tf': `
      variable "name" {
        description = "A name."
        type        = string
      }
      variable "size" {
        description = "A size."
        type        = number
        default     = 1
      }`,
  };

  it('when a module call passes a variable the module does not declare, then the call is named', async () => {
    const tree = await syntheticTree({
      ...moduleFiles,
      'envs/e/main.tf': `
        module "m" {
          source  = "../../modules/m"
          name    = "x"
          colour  = "red"
          for_each = toset(["a"])
        }`,
    });

    expect(moduleCallMismatches(tree)).toEqual([
      'terraform/envs/e: module "m" passes "colour", which terraform/modules/m does not declare',
    ]);
  });

  it('when a module call leaves out a variable without default, then the call is named', async () => {
    const tree = await syntheticTree({
      ...moduleFiles,
      'envs/e/main.tf': 'module "m" {\n  source = "../../modules/m"\n  size = 2\n}\n',
    });

    expect(moduleCallMismatches(tree)).toEqual([
      'terraform/envs/e: module "m" does not pass "name", which terraform/modules/m requires',
    ]);
  });

  it('when a variable has no type or no description, then both are reported', async () => {
    const tree = await syntheticTree({ 'modules/m/variables.tf': 'variable "loose" {}\n' });

    expect(untypedOrUndescribedVariables(tree)).toEqual([
      'terraform/modules/m: variable "loose" has no type',
      'terraform/modules/m: variable "loose" has no description',
    ]);
  });

  it('when a root does not pin the AWS provider major, then it is reported', async () => {
    const tree = await syntheticTree({
      'envs/e/versions.tf': `
        terraform {
          required_version = ">= 1.10"
          required_providers {
            aws = { source = "hashicorp/aws", version = ">= 4.0" }
          }
        }`,
    });

    expect(unpinnedVersions(tree)).toEqual([
      'terraform/envs/e does not pin hashicorp/aws to ~> 5.x',
    ]);
  });
});
