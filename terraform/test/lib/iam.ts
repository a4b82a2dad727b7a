/**
 * Least-privilege rules over the composition's IAM policy documents, read from the parsed HCL:
 * no wildcard actions, no wildcard resources (except actions AWS cannot scope), and each service
 * reaches exactly the tables its environment names.
 */
import { type HclObject, type TerraformTree, expression, isObject, moduleAt } from './hcl';
import { COMPOSITION_DIR } from './service-environment';

/** Actions without resource-level permissions: AWS only accepts "*" for them. */
export const UNSCOPABLE_ACTIONS = new Set(['ecr:GetAuthorizationToken']);

export interface Condition {
  test: string;
  variable: string;
  values: string[];
}

export interface Statement {
  sid: string;
  effect: string;
  actions: string[];
  resources: string[];
  conditions: Condition[];
}

/** The policy document of each task role (from local.task_policies) and the execution role. */
export function rolePolicyDocuments(tree: TerraformTree): {
  documents: Record<string, string>;
  problems: string[];
} {
  const { locals, data } = moduleAt(tree, COMPOSITION_DIR);
  const problems: string[] = [];
  const documents: Record<string, string> = {};
  const taskPolicies = locals.task_policies;
  if (!isObject(taskPolicies))
    return {
      documents,
      problems: ['local.task_policies must be a literal map of service => document'],
    };
  for (const [service, value] of Object.entries(taskPolicies)) {
    const match = /^data\.aws_iam_policy_document\.([\w-]+)\.json$/.exec(expression(value) ?? '');
    if (match?.[1]) documents[service] = match[1];
    else
      problems.push(
        `local.task_policies["${service}"] must be data.aws_iam_policy_document.<name>.json`,
      );
  }
  documents.execution = 'execution';
  for (const [role, name] of Object.entries(documents))
    if (!data.has(`aws_iam_policy_document.${name}`))
      problems.push(
        `the ${role} role's policy document aws_iam_policy_document.${name} does not exist`,
      );
  return { documents, problems };
}

/**
 * String values an attribute can take: list elements, and for an expression the expression
 * itself, its quoted literals and the literal lists of the locals it names (concat(local.a, ["x"])).
 */
export function literalValues(value: unknown, locals: HclObject, depth = 0): string[] {
  if (depth > 5) return [];
  if (Array.isArray(value)) return value.flatMap((v) => literalValues(v, locals, depth + 1));
  if (typeof value !== 'string') return [];
  const inner = expression(value);
  if (inner === undefined) return [value];
  const values = [...inner.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1] ?? '');
  for (const match of inner.matchAll(/\blocal\.([A-Za-z_][\w-]*)/g)) {
    const name = match[1];
    if (name !== undefined && name in locals)
      values.push(...literalValues(locals[name], locals, depth + 1));
  }
  // The expression itself too: references (module outputs, resource ARNs) are only visible there.
  return [...values, value];
}

/** Statements of a policy document, dynamic ones included. */
export function statementsOf(document: HclObject, locals: HclObject): Statement[] {
  const blocks: HclObject[] = [];
  if (Array.isArray(document.statement)) blocks.push(...document.statement.filter(isObject));
  const dynamic = document.dynamic;
  if (isObject(dynamic) && Array.isArray(dynamic.statement))
    for (const d of dynamic.statement.filter(isObject))
      if (Array.isArray(d.content)) blocks.push(...d.content.filter(isObject));
  return blocks.map((block, index) => ({
    sid: typeof block.sid === 'string' ? block.sid : `#${index}`,
    effect: typeof block.effect === 'string' ? block.effect : 'Allow',
    actions: literalValues(block.actions, locals),
    resources: literalValues(block.resources, locals),
    conditions: (Array.isArray(block.condition) ? block.condition.filter(isObject) : []).map(
      (c) => ({
        test: String(c.test),
        variable: String(c.variable),
        values: literalValues(c.values, locals),
      }),
    ),
  }));
}

/** The statements of each task role's policy, by service. */
export function taskStatements(tree: TerraformTree): Record<string, Statement[]> {
  const { locals, data } = moduleAt(tree, COMPOSITION_DIR);
  const { documents } = rolePolicyDocuments(tree);
  const statements: Record<string, Statement[]> = {};
  for (const [role, name] of Object.entries(documents)) {
    const document = data.get(`aws_iam_policy_document.${name}`);
    if (role !== 'execution' && document) statements[role] = statementsOf(document, locals);
  }
  return statements;
}

/**
 * Every grant of events:PutEvents names the one source and the detail types the service sends:
 * the rules route by them, so a role that could send another service's events would feed
 * forged ones to that service's consumers.
 */
export function eventSourceProblems(
  tree: TerraformTree,
  sent: Record<string, { source: string; detailTypes: string[] }>,
): string[] {
  const problems: string[] = [];
  for (const [service, statements] of Object.entries(taskStatements(tree)))
    for (const statement of statements.filter((s) => s.actions.includes('events:PutEvents'))) {
      const where = `${service} role, statement ${statement.sid}`;
      const own = sent[service];
      if (!own) {
        problems.push(`${where}: PutEvents for a service that sends no events`);
        continue;
      }
      const valuesOf = (variable: string) =>
        statement.conditions
          .filter((c) => c.test === 'StringEquals' && c.variable === variable)
          .map((c) => [...c.values].sort().join());
      if (valuesOf('events:source').join() !== own.source)
        problems.push(`${where}: events:source must be exactly ${own.source}`);
      if (valuesOf('events:detail-type').join() !== [...own.detailTypes].sort().join())
        problems.push(`${where}: events:detail-type must be exactly ${own.detailTypes.join(', ')}`);
      if (statement.actions.length !== 1)
        problems.push(`${where}: PutEvents shares its conditions with other actions`);
    }
  return problems;
}

export function wildcardProblems(tree: TerraformTree): string[] {
  const { locals, data } = moduleAt(tree, COMPOSITION_DIR);
  const { documents, problems } = rolePolicyDocuments(tree);
  for (const [role, name] of Object.entries(documents)) {
    const document = data.get(`aws_iam_policy_document.${name}`);
    if (!document) continue;
    for (const statement of statementsOf(document, locals)) {
      if (statement.effect === 'Deny') continue;
      const where = `${role} role, statement ${statement.sid}`;
      for (const action of statement.actions)
        if (action.includes('*')) problems.push(`${where}: wildcard action ${action}`);
      const scopable = statement.actions.some((a) => !UNSCOPABLE_ACTIONS.has(a));
      if (scopable && statement.resources.some((r) => r === '*'))
        problems.push(`${where}: resource "*" for actions that can be scoped`);
      if (statement.resources.length === 0) problems.push(`${where}: names no resource`);
    }
  }
  return problems;
}

/**
 * A kind of resource a service can be given: how its environment names one (a table name, a
 * queue URL) and how a policy grants one (the table's ARN, the queue's ARN). A match's first
 * group is the logical name; families of one resource (the bus) have no group.
 */
export interface ResourceFamily {
  name: string;
  inEnvironment: RegExp;
  inPolicy: RegExp;
}

export const RESOURCE_FAMILIES: ResourceFamily[] = [
  {
    name: 'DynamoDB tables',
    inEnvironment: /module\.dynamodb\.names\["([^"]+)"\]/g,
    inPolicy: /module\.dynamodb\.(?:arns|index_arns)\["([^"]+)"\]/g,
  },
  {
    name: 'queues',
    inEnvironment: /module\.sqs\.(?:queue_urls|dead_letter_queue_urls)\["([^"]+)"\]/g,
    inPolicy: /module\.sqs\.(?:queue_arns|dead_letter_queue_arns)\["([^"]+)"\]/g,
  },
  {
    name: 'event bus',
    inEnvironment: /module\.eventbridge\.bus_name\b/g,
    inPolicy: /module\.eventbridge\.bus_arn\b/g,
  },
  {
    name: 'assets bucket',
    inEnvironment: /module\.tenant_assets\.bucket_name\b/g,
    inPolicy: /module\.tenant_assets\.bucket_arn\b/g,
  },
  {
    name: 'secrets prefix',
    inEnvironment: /local\.secrets_prefix\b/g,
    inPolicy: /local\.secrets_arn\b/g,
  },
  {
    name: 'user pool',
    inEnvironment: /module\.cognito\.user_pool_id\b/g,
    inPolicy: /module\.cognito\.user_pool_arn\b/g,
  },
];

function namesIn(
  values: string[],
  family: ResourceFamily,
  side: 'inEnvironment' | 'inPolicy',
): string[] {
  const names = new Set<string>();
  for (const value of values)
    for (const match of value.matchAll(family[side])) names.add(match[1] ?? family.name);
  return [...names].sort();
}

/**
 * Each service's role reaches exactly the tables, queues, bus, bucket, secrets and user pool its
 * environment names: a grant without a variable is privilege nobody uses, a variable without a
 * grant is a service that will fail at its first call.
 */
export function reachProblems(tree: TerraformTree): string[] {
  const { locals, data } = moduleAt(tree, COMPOSITION_DIR);
  const { documents, problems } = rolePolicyDocuments(tree);
  const environment = locals.service_environment;
  if (!isObject(environment))
    return [...problems, 'local.service_environment must be a literal map'];
  for (const [service, name] of Object.entries(documents)) {
    if (service === 'execution') continue;
    const variables = environment[service];
    const document = data.get(`aws_iam_policy_document.${name}`);
    if (!isObject(variables) || !document) continue;
    const named = Object.values(variables).flatMap((v) => literalValues(v, locals));
    const granted = statementsOf(document, locals).flatMap((s) => s.resources);
    for (const family of RESOURCE_FAMILIES) {
      const inEnvironment = namesIn(named, family, 'inEnvironment');
      const inPolicy = namesIn(granted, family, 'inPolicy');
      if (inEnvironment.join() !== inPolicy.join())
        problems.push(
          `${service}: its role reaches ${family.name} [${inPolicy.join(', ')}] but its environment names [${inEnvironment.join(', ')}]`,
        );
    }
  }
  return problems;
}
