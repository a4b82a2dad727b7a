/**
 * Structural rules of the Terraform tree (CONVENTIONS.md habit 10). Each check returns the list
 * of problems it found, one sentence each; an empty list means the rule holds.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { type HclObject, type TerraformModule, type TerraformTree, isObject } from './hcl';

export const MODULE_FILES = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md'];

/** Arguments of a module block that are Terraform's, not the module's variables. */
export const MODULE_META_ARGUMENTS = new Set([
  'source',
  'version',
  'providers',
  'count',
  'for_each',
  'depends_on',
]);

/** Directories under terraform/modules/. */
export function moduleDirs(tree: TerraformTree): string[] {
  const modulesRoot = join(tree.root, 'modules');
  if (!existsSync(modulesRoot)) return [];
  return readdirSync(modulesRoot)
    .filter((name) => statSync(join(modulesRoot, name)).isDirectory())
    .sort()
    .map((name) => `modules/${name}`);
}

/** Root modules ops runs terraform in: every environment and the state bootstrap. */
export function rootDirs(tree: TerraformTree): string[] {
  return [...tree.modules.keys()].filter((dir) => dir.startsWith('envs/') || dir === 'bootstrap');
}

export function missingModuleFiles(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const dir of moduleDirs(tree))
    for (const file of MODULE_FILES)
      if (!existsSync(join(tree.root, dir, file))) problems.push(`terraform/${dir} has no ${file}`);
  return problems;
}

function hasText(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

export function untypedOrUndescribedVariables(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const module of tree.modules.values())
    for (const [name, variable] of module.variables) {
      if (!hasText(variable.type))
        problems.push(`terraform/${module.dir}: variable "${name}" has no type`);
      if (!hasText(variable.description))
        problems.push(`terraform/${module.dir}: variable "${name}" has no description`);
    }
  return problems;
}

export function undescribedOutputs(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const module of tree.modules.values())
    for (const [name, output] of module.outputs)
      if (!hasText(output.description))
        problems.push(`terraform/${module.dir}: output "${name}" has no description`);
  return problems;
}

/** A module's README must name every input and output (as `name`). */
export function readmeGaps(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const dir of moduleDirs(tree)) {
    const readmePath = join(tree.root, dir, 'README.md');
    const module = tree.modules.get(dir);
    if (!module || !existsSync(readmePath)) continue;
    const readme = readFileSync(readmePath, 'utf8');
    for (const name of module.variables.keys())
      if (!readme.includes(`\`${name}\``))
        problems.push(`terraform/${dir}/README.md does not list input \`${name}\``);
    for (const name of module.outputs.keys())
      if (!readme.includes(`\`${name}\``))
        problems.push(`terraform/${dir}/README.md does not list output \`${name}\``);
  }
  return problems;
}

/** Where a local module source points, relative to terraform/ (undefined for registry sources). */
export function resolveSource(callerDir: string, source: unknown): string | undefined {
  if (typeof source !== 'string' || !source.startsWith('.')) return undefined;
  return normalize(join(callerDir, source)).split('\\').join('/');
}

/**
 * Every module call passes only variables the module declares, passes every variable the module
 * requires (no default), and points at a directory that exists.
 */
export function moduleCallMismatches(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const caller of tree.modules.values())
    for (const [callName, call] of caller.moduleCalls) {
      const where = `terraform/${caller.dir}: module "${callName}"`;
      const targetDir = resolveSource(caller.dir, call.source);
      if (targetDir === undefined) {
        problems.push(`${where} has a non-local source; only local modules are used`);
        continue;
      }
      const target = tree.modules.get(targetDir);
      if (!target) {
        problems.push(`${where} points at terraform/${targetDir}, which has no .tf files`);
        continue;
      }
      const passed = Object.keys(call).filter((arg) => !MODULE_META_ARGUMENTS.has(arg));
      for (const arg of passed)
        if (!target.variables.has(arg))
          problems.push(`${where} passes "${arg}", which terraform/${targetDir} does not declare`);
      for (const [name, variable] of target.variables)
        if (!('default' in variable) && !passed.includes(name))
          problems.push(`${where} does not pass "${name}", which terraform/${targetDir} requires`);
    }
  return problems;
}

function requiredProviders(module: TerraformModule): HclObject {
  const providers: HclObject = {};
  for (const block of module.terraformBlocks)
    if (Array.isArray(block.required_providers))
      for (const entry of block.required_providers)
        if (isObject(entry)) Object.assign(providers, entry);
  return providers;
}

/** Modules and roots say which Terraform and which AWS provider major they were written for. */
export function unpinnedVersions(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const dir of [...moduleDirs(tree), ...rootDirs(tree)]) {
    const module = tree.modules.get(dir);
    if (!module) continue;
    const requiredVersion = module.terraformBlocks.map((b) => b.required_version).find(hasText);
    if (typeof requiredVersion !== 'string' || !/>=\s*1\.\d+/.test(requiredVersion))
      problems.push(`terraform/${dir} does not set required_version (>= 1.x)`);
    const aws = requiredProviders(module).aws;
    if (
      !isObject(aws) ||
      aws.source !== 'hashicorp/aws' ||
      typeof aws.version !== 'string' ||
      !/~>\s*5\./.test(aws.version)
    )
      problems.push(`terraform/${dir} does not pin hashicorp/aws to ~> 5.x`);
  }
  return problems;
}

/** Every environment keeps its state in S3 with locking. */
export function backendProblems(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const dir of rootDirs(tree).filter((d) => d.startsWith('envs/'))) {
    const module = tree.modules.get(dir);
    if (!module) continue;
    const backends = module.terraformBlocks.flatMap((b) =>
      isObject(b.backend) ? [b.backend] : [],
    );
    const s3 = backends.map((b) => b.s3).find(Array.isArray);
    const config = s3?.find(isObject);
    if (!config) {
      problems.push(`terraform/${dir} has no s3 backend`);
      continue;
    }
    if (config.use_lockfile !== true && !hasText(config.dynamodb_table))
      problems.push(`terraform/${dir}: the s3 backend does not lock the state`);
    if (config.encrypt !== true) problems.push(`terraform/${dir}: the s3 backend does not encrypt`);
    if (!existsSync(join(tree.root, dir, 'terraform.tfvars.example')))
      problems.push(`terraform/${dir} has no terraform.tfvars.example`);
  }
  if (!rootDirs(tree).some((d) => d.startsWith('envs/')))
    problems.push('terraform/envs holds no environment');
  return problems;
}

/** Resources named `this` where a module has one of a kind, as the conventions ask. */
export function singletonNamingProblems(tree: TerraformTree): string[] {
  const problems: string[] = [];
  for (const dir of moduleDirs(tree)) {
    const module = tree.modules.get(dir);
    if (!module) continue;
    const byType = new Map<string, string[]>();
    for (const key of module.resources.keys()) {
      const [type = '', name = ''] = key.split('.');
      byType.set(type, [...(byType.get(type) ?? []), name]);
    }
    for (const [type, names] of byType)
      if (names.length === 1 && names[0] !== 'this' && isPrimaryType(dir, type))
        problems.push(`terraform/${dir}: the only ${type} is "${names[0]}", not "this"`);
  }
  return problems;
}

/**
 * The resource types a module is about (its name says so), where `this` is expected. Helper
 * resources (a flow-log group in the network module) keep descriptive names.
 */
const PRIMARY_TYPES: Record<string, string[]> = {
  'modules/network': ['aws_vpc'],
  'modules/alb': ['aws_lb'],
  'modules/waf': ['aws_wafv2_web_acl'],
  'modules/ecs-cluster': ['aws_ecs_cluster'],
  'modules/ecs-service': ['aws_ecs_service', 'aws_ecs_task_definition'],
  'modules/dynamodb': ['aws_dynamodb_table'],
  'modules/eventbridge': ['aws_cloudwatch_event_bus', 'aws_cloudwatch_event_archive'],
  'modules/sqs': ['aws_sqs_queue_policy'],
  'modules/cognito': ['aws_cognito_user_pool', 'aws_cognito_user_pool_client'],
  'modules/tenant-assets': ['aws_s3_bucket', 'aws_cloudfront_distribution'],
  'modules/ecr': ['aws_ecr_repository'],
  'modules/observability': ['aws_sns_topic'],
  'modules/log-bucket': ['aws_s3_bucket'],
};

function isPrimaryType(dir: string, type: string): boolean {
  return PRIMARY_TYPES[dir]?.includes(type) ?? false;
}

export interface NamedCheck {
  name: string;
  problems: string[];
}

/** Every structural rule, in the order make tf-check reports them. */
export function structuralChecks(tree: TerraformTree): NamedCheck[] {
  return [
    {
      name: 'every module has main.tf, variables.tf, outputs.tf, versions.tf and README.md',
      problems: missingModuleFiles(tree),
    },
    {
      name: 'every variable has a type and a description',
      problems: untypedOrUndescribedVariables(tree),
    },
    { name: 'every output has a description', problems: undescribedOutputs(tree) },
    { name: 'every module README lists its inputs and outputs', problems: readmeGaps(tree) },
    {
      name: 'every module call passes only (and all required) declared variables',
      problems: moduleCallMismatches(tree),
    },
    {
      name: 'every module and root pins Terraform >= 1.x and hashicorp/aws ~> 5.x',
      problems: unpinnedVersions(tree),
    },
    {
      name: 'every environment has an encrypted, locked S3 backend and a tfvars example',
      problems: backendProblems(tree),
    },
    {
      name: 'one-of-a-kind resources are named "this"',
      problems: singletonNamingProblems(tree),
    },
  ];
}
