// A user-supplied pattern replaces the heuristics: it is the escape hatch for message formats the
// heuristics get wrong, so it must be validated where it is configured, not where it first runs.

import type { OtpCandidate } from './candidate.js';

export class InvalidCodePatternError extends Error {
  override readonly name = 'InvalidCodePatternError';
}

/** Flags every custom pattern runs with: all matches, Unicode semantics, match indices. */
const PATTERN_FLAGS = 'gud';
const CODE_GROUP = 'code';
/** Separators a service may put inside a code for readability: `482 913`, `482-913`. */
const CODE_SEPARATORS = /[\s-]/g;

/**
 * Compiles `pattern` (a regular expression's source, without slashes or flags) with the flags `gud`.
 * Throws InvalidCodePatternError when it is not a valid Unicode-mode regular expression or has no
 * named group `code`.
 */
export function compileCodePattern(pattern: string): RegExp {
  let compiled: RegExp;
  try {
    compiled = new RegExp(pattern, PATTERN_FLAGS);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidCodePatternError(`code pattern is not a valid regular expression: ${reason}`, { cause: error });
  }
  // An alternative that matches the empty string lists every named group of the pattern, matched or not.
  const groups = new RegExp(`${pattern}|`, 'u').exec('')?.groups ?? {};
  if (!(CODE_GROUP in groups)) {
    throw new InvalidCodePatternError(
      `code pattern has no named group "${CODE_GROUP}": write it as (?<${CODE_GROUP}>...) around the code, e.g. (?<${CODE_GROUP}>\\d{6})`,
    );
  }
  return compiled;
}

/** Every match of `pattern` in `text`, in order, as candidates (positions and codes not yet bounded). */
export function patternCandidates(text: string, pattern: string): OtpCandidate[] {
  const candidates: OtpCandidate[] = [];
  for (const match of text.matchAll(compileCodePattern(pattern))) {
    const span = match.indices?.groups?.[CODE_GROUP];
    const value = match.groups?.[CODE_GROUP];
    if (span === undefined || value === undefined) continue;
    candidates.push({
      code: value.replace(CODE_SEPARATORS, ''),
      start: span[0],
      end: span[1],
      score: 1,
      reasons: ['matched the custom pattern'],
    });
  }
  return candidates;
}
