import { runsInLinearTime } from '@leadflow/core';

/**
 * Tenant-supplied patterns run against every submission: on the server with RE2, in linear time
 * (so one tenant cannot stall ingestion for all), and in the visitor's browser as the field's
 * `pattern`. Accept a pattern only when both engines take it and it has no quantified group that
 * itself contains a quantifier, which would take exponential time in the browser.
 */
export function unsafePatternReason(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
  if (!runsInLinearTime(pattern))
    return 'uses look-arounds or back-references, which the server does not run: they can take exponential time';
  const groupHasQuantifier: boolean[] = [];
  let escaped = false;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (escaped) {
      escaped = false;
      continue;
    }
    if (char === '\\') escaped = true;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') groupHasQuantifier.push(false);
    else if (char === ')') {
      const inner = groupHasQuantifier.pop() ?? false;
      const next = pattern[i + 1];
      const quantified = next === '*' || next === '+' || next === '{' || next === '?';
      if (inner && quantified && next !== '?')
        return 'nests quantifiers, which can take exponential time';
      if (inner || quantified) groupHasQuantifier[groupHasQuantifier.length - 1] ||= true;
    } else if ((char === '*' || char === '+' || char === '{') && groupHasQuantifier.length > 0) {
      groupHasQuantifier[groupHasQuantifier.length - 1] = true;
    }
  }
  return undefined;
}
