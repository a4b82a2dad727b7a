import type { RegExpEngine } from 'ajv/dist/types';
import { RE2JS } from 're2js';

/**
 * Whether RE2 runs the pattern: RE2 matches in time linear in the input, so no pattern can
 * backtrack for ever. It has no look-arounds or back-references, the features that need
 * backtracking.
 */
export function runsInLinearTime(pattern: string): boolean {
  try {
    RE2JS.compile(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Takes every value: for a stored pattern RE2 cannot run. */
const unenforced = (pattern: string) => ({
  test: () => true,
  toString: () => `unenforced:${pattern}`,
});

/**
 * Ajv's `pattern` keyword through RE2, for patterns that come from data (a tenant's custom
 * fields): one tenant's pattern must not stall a task for every tenant. A pattern stored before
 * patterns were checked against RE2, that RE2 cannot run, is not enforced: refusing every value
 * would lose the leads, and backtracking could stall the task.
 */
export const linearTimeRegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    try {
      return RE2JS.compile(pattern);
    } catch {
      return unenforced(pattern);
    }
  },
  { code: 'linearTimeRegExp' },
);
