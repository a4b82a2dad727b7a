/**
 * Tenant-supplied patterns run against every submission, so a catastrophic one
 * (`(a+)+$`) would let one tenant stall ingestion for all. Accept a pattern only when it
 * compiles and has no quantified group that itself contains a quantifier.
 */
export function unsafePatternReason(pattern: string): string | undefined {
  try {
    new RegExp(pattern, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
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
