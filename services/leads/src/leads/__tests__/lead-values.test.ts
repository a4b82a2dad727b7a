import { runInNewContext } from 'node:vm';
import type { TenantSettings } from '@leadflow/contracts';
import { assertCustomValues } from '../lead-values';

/** A tenant whose only custom field is a reference with `pattern`. */
const tenantWithPattern = (pattern: string, version = 1) =>
  ({
    tenantId: `t-${pattern}`,
    version,
    customFields: [{ key: 'ref', label: 'Reference', type: 'text', required: false, pattern }],
  }) as Pick<TenantSettings, 'tenantId' | 'version' | 'customFields'> as TenantSettings;

describe('custom values against the tenant’s patterns', () => {
  it('when a pattern backtracks exponentially and a value provokes it, then the value is refused at once', () => {
    const settings = tenantWithPattern('^([a-z]|[a-z0-9])*$');
    // A backtracking engine would take about 2^60 steps: the VM's timeout ends it and fails the test.
    const judge = (ref: string) =>
      runInNewContext(
        'try { assertCustomValues(settings, { ref }, "custom"); "valid" } catch (e) { e.message }',
        { assertCustomValues, settings, ref },
        { timeout: 2_000 },
      ) as string;
    expect(judge(`${'a'.repeat(60)}!`)).toBe('Custom fields do not match the tenant’s lead schema');
    expect(judge('abc123')).toBe('valid');
  });

  it('when the tenant’s custom fields change (a new version), then values are judged by the new ones', () => {
    expect(() =>
      assertCustomValues(tenantWithPattern('^[0-9]+$', 1), { ref: 'abc' }, 'custom'),
    ).toThrow();
    const changed = { ...tenantWithPattern('^[0-9]+$', 2), customFields: [] };
    expect(() => assertCustomValues(changed, { ref: 'abc' }, 'custom')).toThrow();
    expect(() => assertCustomValues(changed, {}, 'custom')).not.toThrow();
  });
});
