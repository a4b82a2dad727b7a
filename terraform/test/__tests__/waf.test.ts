import { IngestionConfigSchema } from '../../../services/ingestion/src/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileSchema, problemType, ProblemSchema, STATUS_BY_CODE } from '@leadflow/core';
import { first, loadTree, moduleAt, TERRAFORM_ROOT, type TerraformTree } from '../lib/hcl';

/** What the service lets one API key send in WAF's window of 5 minutes. */
function serviceLimitPerApiKeyPer5Minutes(): number {
  const properties = IngestionConfigSchema.properties as Record<string, { default?: number }>;
  const perWindow = properties.INGEST_RATE_LIMIT_PER_API_KEY!.default!;
  const windowSeconds = properties.INGEST_RATE_WINDOW_SECONDS!.default!;
  return (perWindow * 300) / windowSeconds;
}

describe('the web ACLs', () => {
  let tree: TerraformTree;

  beforeAll(async () => {
    tree = await loadTree();
  });

  it('when an address passes a rate limit, then WAF answers 429 with Retry-After, which clients retry, not its default 403, and a problem document any page can read', () => {
    const waf = moduleAt(tree, 'modules/waf');
    const acl = first(waf.resources.get('aws_wafv2_web_acl.this'));
    const rateRules = [first(acl.dynamic).rule]
      .flat()
      .map((rule) => first(rule))
      .filter((rule) => JSON.stringify(rule.content).includes('rate_based_statement'));
    expect(rateRules).toHaveLength(1);
    expect(rateRules[0]!.for_each).toBe('${local.rate_limits}');
    // Every address's limit and the tighter ones of chosen paths.
    expect(waf.locals.rate_limits).toEqual(expect.stringContaining('var.rate_limit_per_ip'));
    expect(waf.locals.rate_limits).toEqual(expect.stringContaining('var.path_rate_limits'));

    const body = first(acl.custom_response_body);
    expect(body).toMatchObject({
      key: '${local.rate_limited_body_key}',
      content_type: 'APPLICATION_JSON',
    });
    expect(Object.keys(first(waf.locals.rate_limited_headers)).sort()).toEqual([
      'Access-Control-Allow-Origin',
      'Access-Control-Expose-Headers',
      'Retry-After',
    ]);
    for (const rule of rateRules.map((r) => first(r.content))) {
      const response = first(first(first(rule.action).block).custom_response);
      expect(response.response_code).toBe(429);
      expect(response.custom_response_body_key).toBe(body.key);
      expect(first(first(response.dynamic).response_header).for_each).toBe(
        '${local.rate_limited_headers}',
      );
    }
  });

  it('when WAF refuses with 429, then its body is the API’s own rate_limited problem', () => {
    const problem = JSON.parse(
      readFileSync(join(TERRAFORM_ROOT, 'modules/waf/rate-limited.json'), 'utf8'),
    );
    expect(compileSchema(ProblemSchema)(problem)).toBe(true);
    expect(problem).toMatchObject({
      type: problemType('rate_limited'),
      status: STATUS_BY_CODE.rate_limited,
    });
  });

  it('when the ALB ACL limits a path more tightly, then it is public form posts only, not API-key clients or Google’s shared addresses', () => {
    const call = first(moduleAt(tree, 'modules/leadflow').moduleCalls.get('waf_alb'));
    expect(Object.keys(first(call.path_rate_limits))).toEqual(['/v1/ingest/forms/']);
  });

  it.each(['dev', 'prod'])(
    'when %s sets its per-address limit, then it is above what the service allows one API key',
    (env) => {
      const call = first(moduleAt(tree, `envs/${env}`).moduleCalls.get('leadflow'));
      const limits = first(call.rate_limits);
      expect(limits.per_ip).toBeGreaterThan(serviceLimitPerApiKeyPer5Minutes());
    },
  );
});
