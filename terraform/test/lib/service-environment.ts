/**
 * The contract between the services' configuration schemas and their ECS task definitions:
 * the environment (and secrets) Terraform gives a service must include every variable its
 * configuration requires, nothing its configuration does not declare, and no local-only variable.
 */
import { type HclObject, type TerraformTree, expression, isObject, moduleAt } from './hcl';

/** The composition every environment calls; the per-service environment lives in it. */
export const COMPOSITION_DIR = 'modules/leadflow';
export const SERVICE_MODULE_CALL = 'service';

export interface ConfigContract {
  required: string[];
  optional: string[];
}

export interface ServiceVariables {
  environment: string[];
  secrets: string[];
}

/** Reads local.<name>, which must be a literal map of literal maps keyed by service. */
function literalMapOfMaps(
  locals: HclObject,
  name: string,
): { value: Record<string, HclObject>; problems: string[] } {
  const where = `terraform/${COMPOSITION_DIR}: local.${name}`;
  const raw = locals[name];
  if (raw === undefined) return { value: {}, problems: [`${where} is not defined`] };
  if (!isObject(raw))
    return {
      value: {},
      problems: [`${where} must be a literal map (the check cannot evaluate ${String(raw)})`],
    };
  const value: Record<string, HclObject> = {};
  const problems: string[] = [];
  for (const [service, entry] of Object.entries(raw)) {
    if (isObject(entry)) value[service] = entry;
    else
      problems.push(
        `${where}["${service}"] must be a literal map (the check cannot evaluate ${String(entry)})`,
      );
  }
  return { value, problems };
}

/** Variable names each service's task definition gets, read from the composition. */
export function readServiceVariables(tree: TerraformTree): {
  services: Record<string, ServiceVariables>;
  problems: string[];
} {
  const { locals } = moduleAt(tree, COMPOSITION_DIR);
  const environment = literalMapOfMaps(locals, 'service_environment');
  const secrets = literalMapOfMaps(locals, 'service_secrets');
  const problems = [...environment.problems, ...secrets.problems];
  const services: Record<string, ServiceVariables> = {};
  for (const service of new Set([
    ...Object.keys(environment.value),
    ...Object.keys(secrets.value),
  ])) {
    services[service] = {
      environment: Object.keys(environment.value[service] ?? {}).sort(),
      secrets: Object.keys(secrets.value[service] ?? {}).sort(),
    };
  }
  return { services, problems };
}

/**
 * The task definitions really receive those maps: the composition's one ecs-service call runs
 * for each service with environment = local.service_environment[each.key] (and secrets alike).
 */
export function wiringProblems(tree: TerraformTree): string[] {
  const composition = moduleAt(tree, COMPOSITION_DIR);
  const where = `terraform/${COMPOSITION_DIR}: module "${SERVICE_MODULE_CALL}"`;
  const call = composition.moduleCalls.get(SERVICE_MODULE_CALL);
  if (!call) return [`${where} is missing`];
  const problems: string[] = [];
  const expect = (argument: string, wanted: string) => {
    const actual = expression(call[argument])?.replace(/\s+/g, '');
    if (actual !== wanted)
      problems.push(`${where}: ${argument} must be \${${wanted}}, not ${String(call[argument])}`);
  };
  if (call.source !== '../ecs-service')
    problems.push(`${where} must use the generic ../ecs-service module`);
  expect('for_each', 'local.services');
  expect('environment', 'local.service_environment[each.key]');
  expect('secrets', 'local.service_secrets[each.key]');

  const services = composition.locals.services;
  const environment = composition.locals.service_environment;
  const secrets = composition.locals.service_secrets;
  if (isObject(services) && isObject(environment) && isObject(secrets)) {
    const names = Object.keys(services).sort().join(', ');
    if (Object.keys(environment).sort().join(', ') !== names)
      problems.push(
        `local.service_environment must have exactly the services of local.services (${names})`,
      );
    if (Object.keys(secrets).sort().join(', ') !== names)
      problems.push(
        `local.service_secrets must have exactly the services of local.services (${names})`,
      );
  } else problems.push(`terraform/${COMPOSITION_DIR}: local.services must be a literal map`);

  // Nothing else may add variables behind the check's back.
  const modules = composition.moduleCalls;
  for (const [name, other] of modules)
    if (name !== SERVICE_MODULE_CALL && other.source === '../ecs-service')
      problems.push(
        `terraform/${COMPOSITION_DIR}: module "${name}" also uses ecs-service; use the one for_each call`,
      );
  return problems;
}

/** What is wrong with the variables Terraform gives one service, measured against its contract. */
export function environmentProblems(
  service: string,
  given: ServiceVariables,
  contract: ConfigContract,
  localOnly: readonly string[],
): string[] {
  const problems: string[] = [];
  const names = [...given.environment, ...given.secrets];
  const declared = new Set([...contract.required, ...contract.optional]);
  for (const name of contract.required)
    if (!names.includes(name))
      problems.push(
        `${service}: its configuration requires ${name}, which its task definition does not set`,
      );
  for (const name of names) {
    if (localOnly.includes(name))
      problems.push(`${service}: ${name} is local-only, a deployment must not set it`);
    else if (!declared.has(name))
      problems.push(
        `${service}: its task definition sets ${name}, which its configuration does not declare`,
      );
  }
  for (const name of given.environment)
    if (given.secrets.includes(name))
      problems.push(`${service}: ${name} is set both as plain environment and as a secret`);
  return problems;
}

/** The whole contract: same services on both sides, and each service's variables right. */
export function contractProblems(
  terraformServices: Record<string, ServiceVariables>,
  contracts: Record<string, ConfigContract>,
  localOnly: readonly string[],
): string[] {
  const problems: string[] = [];
  for (const service of Object.keys(contracts))
    if (!terraformServices[service])
      problems.push(`${service}: has a configuration schema but no task definition in Terraform`);
  for (const [service, given] of Object.entries(terraformServices)) {
    const contract = contracts[service];
    if (!contract) {
      problems.push(`${service}: Terraform deploys it, but no configuration schema describes it`);
      continue;
    }
    problems.push(...environmentProblems(service, given, contract, localOnly));
  }
  return problems;
}
