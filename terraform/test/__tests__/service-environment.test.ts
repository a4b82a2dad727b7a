import {
  LOCAL_ONLY_VARIABLES,
  SERVICE_CONFIG_SCHEMAS,
  configContract,
} from '../../../scripts/service-configs';
import { type TerraformTree, loadTree } from '../lib/hcl';
import {
  type ServiceVariables,
  contractProblems,
  environmentProblems,
  readServiceVariables,
  wiringProblems,
} from '../lib/service-environment';

const contracts = Object.fromEntries(
  Object.entries(SERVICE_CONFIG_SCHEMAS).map(([service, schema]) => [
    service,
    configContract(schema),
  ]),
);

describe('the environment Terraform gives each service (the configuration contract)', () => {
  let tree: TerraformTree;
  let services: Record<string, ServiceVariables>;

  beforeAll(async () => {
    tree = await loadTree();
    const read = readServiceVariables(tree);
    expect(read.problems).toEqual([]);
    services = read.services;
  });

  it('when Terraform is read, then it deploys exactly the services that have a configuration schema', () => {
    expect(Object.keys(services).sort()).toEqual(Object.keys(SERVICE_CONFIG_SCHEMAS).sort());
  });

  it('when the task definitions are built, then each gets its own map from the one ecs-service call', () => {
    expect(wiringProblems(tree)).toEqual([]);
  });

  it.each(Object.keys(SERVICE_CONFIG_SCHEMAS))(
    'when the %s task definition is built, then it sets every required variable, nothing undeclared and nothing local-only',
    (service) => {
      const given = services[service] ?? { environment: [], secrets: [] };
      const contract = contracts[service] ?? { required: [], optional: [] };

      expect(environmentProblems(service, given, contract, LOCAL_ONLY_VARIABLES)).toEqual([]);
      expect([...given.environment, ...given.secrets]).toEqual(
        expect.arrayContaining(contract.required),
      );
    },
  );
});

describe('the contract check itself', () => {
  const contract = {
    required: ['TABLE', 'AWS_REGION'],
    optional: ['LOG_LEVEL', 'AWS_ENDPOINT_URL'],
  };
  const given: ServiceVariables = {
    environment: ['AWS_REGION', 'LOG_LEVEL', 'TABLE'],
    secrets: [],
  };

  it('when a service starts requiring a variable Terraform does not set, then the check names service and variable', () => {
    const grown = { ...contract, required: [...contract.required, 'NEW_QUEUE_URL'] };

    expect(environmentProblems('leads', given, grown, LOCAL_ONLY_VARIABLES)).toEqual([
      'leads: its configuration requires NEW_QUEUE_URL, which its task definition does not set',
    ]);
  });

  it('when Terraform sets a variable the configuration does not declare, then the check names it', () => {
    const extra = { ...given, environment: [...given.environment, 'LEFTOVER'] };

    expect(environmentProblems('leads', extra, contract, LOCAL_ONLY_VARIABLES)).toEqual([
      'leads: its task definition sets LEFTOVER, which its configuration does not declare',
    ]);
  });

  it('when Terraform sets a local-only variable, then the check refuses it even though it is declared', () => {
    const local = { ...given, environment: [...given.environment, 'AWS_ENDPOINT_URL'] };

    expect(environmentProblems('leads', local, contract, LOCAL_ONLY_VARIABLES)).toEqual([
      'leads: AWS_ENDPOINT_URL is local-only, a deployment must not set it',
    ]);
  });

  it('when a required variable comes from a secret, then it counts as set', () => {
    const fromSecret = { environment: ['AWS_REGION'], secrets: ['TABLE'] };

    expect(environmentProblems('leads', fromSecret, contract, LOCAL_ONLY_VARIABLES)).toEqual([]);
  });

  it('when a service has a schema but no task definition, or the reverse, then both are reported', () => {
    expect(contractProblems({ ghost: given }, { leads: contract }, LOCAL_ONLY_VARIABLES)).toEqual([
      'leads: has a configuration schema but no task definition in Terraform',
      'ghost: Terraform deploys it, but no configuration schema describes it',
    ]);
  });
});
