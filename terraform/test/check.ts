/**
 * make tf-check: proves the Terraform without Terraform or an AWS account.
 *   1. every .tf file parses (a broken file is named);
 *   2. structural rules over the parsed HCL (files, variables, module calls, versions, backends);
 *   3. the services' configuration contract: each task definition sets exactly what its
 *      service's configuration schema requires and declares;
 *   4. least privilege of the task roles and ALB routing of every documented operation;
 *   5. checkov (pinned in scripts/python-requirements.txt), offline: 0 failed, skips inline with reasons.
 * Exits non-zero on any problem.
 */
import { relative } from 'node:path';
import {
  LOCAL_ONLY_VARIABLES,
  SERVICE_CONFIG_SCHEMAS,
  configContract,
} from '../../scripts/service-configs';
import { checkovProblems, runCheckov } from './lib/checkov';
import { REPO_ROOT, TERRAFORM_ROOT, groupModules, parseTree } from './lib/hcl';
import { reachProblems, wildcardProblems } from './lib/iam';
import { contractProblems, readServiceVariables, wiringProblems } from './lib/service-environment';
import { type NamedCheck, structuralChecks } from './lib/structure';

function report(check: NamedCheck): boolean {
  const ok = check.problems.length === 0;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${check.name}`);
  for (const problem of check.problems) console.log(`         - ${problem}`);
  return ok;
}

async function main(): Promise<number> {
  let ok = true;
  console.log('Terraform checks (terraform/)');

  const { files, errors } = await parseTree(TERRAFORM_ROOT);
  ok = report({ name: `every .tf file parses (${files.length} files)`, problems: errors }) && ok;
  if (errors.length > 0) return 1;
  const tree = { root: TERRAFORM_ROOT, modules: groupModules(files) };

  for (const check of structuralChecks(tree)) ok = report(check) && ok;

  const contracts = Object.fromEntries(
    Object.entries(SERVICE_CONFIG_SCHEMAS).map(([service, schema]) => [
      service,
      configContract(schema),
    ]),
  );
  const read = readServiceVariables(tree);
  ok =
    report({
      name: 'each service gets its environment from the one ecs-service call',
      problems: wiringProblems(tree),
    }) && ok;
  ok =
    report({
      name: `each task definition sets exactly its configuration contract (${Object.keys(contracts).join(', ')})`,
      problems: [
        ...read.problems,
        ...contractProblems(read.services, contracts, LOCAL_ONLY_VARIABLES),
      ],
    }) && ok;
  ok =
    report({
      name: 'task and execution roles: no wildcard actions, no wildcard resources AWS can scope',
      problems: wildcardProblems(tree),
    }) && ok;
  ok =
    report({
      name: "each service's role reaches exactly the tables, queues, bus, bucket, secrets and user pool its environment names",
      problems: reachProblems(tree),
    }) && ok;

  const started = Date.now();
  const summary = runCheckov(TERRAFORM_ROOT);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const problems = checkovProblems(summary);
  console.log(
    `\ncheckov ${summary.version} --framework terraform ${relative(REPO_ROOT, TERRAFORM_ROOT)} (${seconds} s): ` +
      `passed ${summary.passed}, failed ${summary.failed}, skipped ${summary.skipped}` +
      (summary.parsingErrors > 0 ? `, parsing errors ${summary.parsingErrors}` : ''),
  );
  console.log(
    `  skipped, each inline with its reason (${summary.skippedChecks.length} distinct; checkov counts a module once per environment that calls it):`,
  );
  for (const skip of summary.skippedChecks)
    console.log(`    ${skip.checkId}  ${skip.file}  ${skip.resource}\n        ${skip.reason}`);
  ok = report({ name: 'checkov: no failed check, every skip has a reason', problems }) && ok;

  console.log(ok ? '\ntf-check: all checks passed' : '\ntf-check: FAILED');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
