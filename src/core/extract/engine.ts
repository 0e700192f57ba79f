// Orchestrates one extraction: bound and normalise the text, collect candidates (from the custom
// pattern or the heuristics), rank them, and decide whether the best one is convincing.

import type { ExtractOptions } from '../types.js';
import type { ExtractResult, OtpCandidate } from './candidate.js';
import { readContext } from './context.js';
import { heuristicCandidates, within, type HeuristicBounds, type LengthBounds } from './heuristics.js';
import { normaliseText, type NormalisedText } from './normalize.js';
import { patternCandidates } from './pattern.js';

/** SMS bodies are attacker-controlled: only this much is scanned (a concatenated SMS is ~1 600). */
export const MAX_SCANNED_CHARS = 2000;
/** The score a heuristic candidate needs before it is submitted as the code. */
export const CODE_THRESHOLD = 3;
/** A different code scoring within this much of the best makes the choice ambiguous. */
export const AMBIGUITY_MARGIN = 1;

const DEFAULT_BOUNDS: HeuristicBounds = {
  digits: { min: 4, max: 8 },
  alphanumeric: { min: 4, max: 10 },
};

function boundsFor(options: ExtractOptions): HeuristicBounds {
  const override = (bounds: LengthBounds): LengthBounds => ({
    min: options.minLength ?? bounds.min,
    max: options.maxLength ?? bounds.max,
  });
  return { digits: override(DEFAULT_BOUNDS.digits), alphanumeric: override(DEFAULT_BOUNDS.alphanumeric) };
}

/**
 * `candidate` with its span moved back onto the original text. A code read across an invisible
 * character says so, since the code submitted is not the text a log or a copy-paste shows.
 */
function inOriginal(candidate: OtpCandidate, normalised: NormalisedText): OtpCandidate {
  const start = normalised.starts[candidate.start] ?? 0;
  const end = candidate.end > candidate.start ? (normalised.ends[candidate.end - 1] ?? start) : start;
  const readAcrossInvisible = normalised.dropped.some((index) => index > start && index < end);
  return {
    ...candidate,
    score: Math.round(candidate.score * 100) / 100,
    start,
    end,
    reasons: readAcrossInvisible ? [...candidate.reasons, 'read across an invisible character'] : candidate.reasons,
  };
}

function rank(candidates: OtpCandidate[]): OtpCandidate[] {
  return candidates.sort((a, b) => b.score - a.score || a.start - b.start);
}

/** The best candidate's runner-up among different codes, if it also clears the threshold and comes close. */
function isCloseCall(ranked: readonly OtpCandidate[], threshold: number): boolean {
  const [best] = ranked;
  if (best === undefined) return false;
  const rival = ranked.find((candidate) => candidate.code !== best.code);
  return rival !== undefined && rival.score >= threshold && best.score - rival.score < AMBIGUITY_MARGIN;
}

/**
 * Finds the one-time code in an SMS body. With `options.pattern`, every match of its `code` group is a
 * candidate, in order, and the first is the code; otherwise the built-in heuristics score every
 * plausible token. Never throws on any text; throws InvalidCodePatternError for a bad pattern.
 */
export function extractOtp(text: string, options: ExtractOptions = {}): ExtractResult {
  const normalised = normaliseText(text.slice(0, MAX_SCANNED_CHARS));
  const bounds = boundsFor(options);
  const { pattern } = options;
  const found =
    pattern === undefined
      ? rank(heuristicCandidates(readContext(normalised.text), bounds))
      : // A pattern may match any kind of code, so the widest bounds apply.
        patternCandidates(normalised.text, pattern).filter(({ code }) => within(code.length, bounds.alphanumeric));
  const candidates = found.map((candidate) => inOriginal(candidate, normalised));
  const threshold = pattern === undefined ? CODE_THRESHOLD : 0;
  const best = candidates[0];
  if (best === undefined || best.score < threshold) return { ambiguous: false, candidates };
  return { code: best.code, ambiguous: isCloseCall(candidates, threshold), candidates };
}
