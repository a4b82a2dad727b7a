import { IngestionConfigSchema } from '../../../services/ingestion/src/config';
import { type HclObject, type TerraformTree, isObject, loadTree, moduleAt } from '../lib/hcl';

/** The first block of a repeated hcl2json block list, or the object itself. */
const first = (value: unknown): HclObject => {
  const block = Array.isArray(value) ? value[0] : value;
  if (!isObject(block)) throw new Error(`not a block: ${JSON.stringify(value)}`);
  return block;
};

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

  it('when an address passes a rate limit, then WAF answers 429 with Retry-After, which clients retry, not its default 403', () => {
    const acl = first(moduleAt(tree, 'modules/waf').resources.get('aws_wafv2_web_acl.this'));
    const rateRules = [acl.rule, first(acl.dynamic).rule]
      .flatMap((rules) => (Array.isArray(rules) ? rules : [rules]))
      .map((rule) => first(first(rule).content ?? rule))
      .filter((rule) => JSON.stringify(rule.statement).includes('rate_based_statement'));
    expect(rateRules).toHaveLength(2);
    for (const rule of rateRules) {
      const response = first(first(first(rule.action).block).custom_response);
      expect(response.response_code).toBe(429);
      expect(first(response.response_header).name).toBe('Retry-After');
    }
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
