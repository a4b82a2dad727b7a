import { first, loadTree, moduleAt, type HclObject, type TerraformTree } from '../lib/hcl';

describe('what the deployed services rely on', () => {
  let tree: TerraformTree;

  beforeAll(async () => {
    tree = await loadTree();
  });

  it('when the frontend uploads a logo with its presigned PUT, then the assets bucket allows that origin (S3 CORS)', () => {
    const assets = moduleAt(tree, 'modules/tenant-assets');
    const cors = first(assets.resources.get('aws_s3_bucket_cors_configuration.this'));
    const rule = first(cors.cors_rule);
    expect(rule.allowed_methods).toEqual(['PUT']);
    expect(rule.allowed_origins).toBe('${var.upload_origins}');
    expect(rule.allowed_headers).toEqual(expect.arrayContaining(['content-type', 'cache-control']));
    const call = first(moduleAt(tree, 'modules/leadflow').moduleCalls.get('tenant_assets'));
    expect(call.upload_origins).toBe('${var.frontend_origins}');
  });

  it('when a worker scales on its queue, then it tracks the backlog per running task, not the whole backlog', () => {
    const policy = first(
      moduleAt(tree, 'modules/ecs-service').resources.get('aws_appautoscaling_policy.queue'),
    );
    const metric = first(
      first(policy.target_tracking_scaling_policy_configuration).customized_metric_specification,
    );
    const metrics = metric.metrics as HclObject[];
    const returned = metrics.filter((m) => m.return_data === true);
    expect(returned).toEqual([expect.objectContaining({ expression: 'visible / tasks' })]);
    expect(JSON.stringify(metrics)).toContain('RunningTaskCount');
  });

  it('when a variable of a task is empty, then it is left out of the container definition (ECS drops it; Terraform would redeploy on every apply)', () => {
    const service = moduleAt(tree, 'modules/ecs-service');
    const definition = String(service.locals.container_definition);
    expect(definition).toMatch(
      /environment = \[for name in [^\n]* if var\.environment\[name\] != ""\]/,
    );
  });

  it('when the network picks its zones, then they are the ones the account may use, not letters after the region name', () => {
    const call = first(moduleAt(tree, 'modules/leadflow').moduleCalls.get('network'));
    expect(call.availability_zones).toMatch(/data\.aws_availability_zones\.available\.names/);
    const zones = first(
      moduleAt(tree, 'modules/leadflow').data.get('aws_availability_zones.available'),
    );
    expect(zones.state).toBe('available');
  });
});
