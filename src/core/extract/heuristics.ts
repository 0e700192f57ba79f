// Finds every token that could be a one-time code and scores it from the signals around it. The
// weights are additive and each one leaves a reason behind, so a wrong pick can be read and fixed.

import type { OtpCandidate } from './candidate.js';
import type { KeywordHit, MessageContext, Span } from './context.js';
import {
  CONNECTORS_ONLY,
  CURRENCY_AFTER,
  CURRENCY_BEFORE,
  DURATION_AFTER,
  ENDS_WITH_IS_OR_COLON,
  MONTH_AFTER,
  MONTH_BEFORE,
  PERCENT_AFTER,
  PHONE_BEFORE,
  PREFIX_BEFORE,
  REFERENCE_BEFORE,
  SENTENCE_BREAK,
  YEAR_SUFFIX,
} from './lexicon.js';
import { clusterNumbers, scanWords, type Cluster, type ClusterShape, type Word } from './tokens.js';

export interface LengthBounds {
  readonly min: number;
  readonly max: number;
}

export interface HeuristicBounds {
  readonly digits: LengthBounds;
  readonly alphanumeric: LengthBounds;
}

const WEIGHT = {
  webOtp: 8,
  keywordAdjacentBefore: 4,
  keywordNearBefore: 3,
  keywordAdjacentAfter: 3.5,
  keywordNearAfter: 3.5,
  keywordFloor: 1,
  isOrColon: 1,
  prefix: 1,
  retriever: 1,
  sixDigits: 1.5,
  typicalLength: 1,
  alphanumeric: -1,
  strongPenalty: -6,
  reference: -5,
  notCodePhrase: -5,
  link: -10,
  formattedNumber: -4,
  numberSequence: -3,
  year: -1,
  hash: -1.5,
} as const;

/** Beyond these distances (in characters) a keyword says nothing about a number. */
const KEYWORD_REACH_BEFORE = 80;
const KEYWORD_REACH_AFTER = 50;
/** Score lost per character between a keyword and the number. */
const DECAY_BEFORE = 1 / 20;
const DECAY_AFTER = 1 / 15;
/** How much text on each side is read for context such as a currency or a unit. */
const CONTEXT_BEFORE = 40;
const CONTEXT_AFTER = 24;
const IS_OR_COLON_REACH = 12;
const TYPICAL_DIGITS = { min: 4, max: 8 } as const;
const TYPICAL_ALPHANUMERIC = { min: 6, max: 8 } as const;
const YEAR = /^(?:19|20)\d\d$/;
const ONE_CASE_ASCII = /^(?:[A-Z0-9]+|[a-z0-9]+)$/;
const TWO_DIGIT_RUNS = /[0-9][A-Za-z]+[0-9]/;
const NUMBER_AMID_CAPITALS = /^[A-Z]+[0-9]+[A-Z]+$/;
/** Capitals without a vowel and one number beside them: `KXQP7`, `7KXQP` (not `COVID19`, `WIN10`). */
const VOWEL_FREE_CAPITALS_AND_A_NUMBER = /^(?:[B-DF-HJ-NP-TV-Z]+[0-9]+|[0-9]+[B-DF-HJ-NP-TV-Z]+)$/;

const SHAPE_PENALTY: Partial<Record<ClusterShape, readonly [number, string]>> = {
  phone: [WEIGHT.strongPenalty, 'penalty: looks like a phone number'],
  date: [WEIGHT.strongPenalty, 'penalty: looks like a date'],
  time: [WEIGHT.strongPenalty, 'penalty: looks like a time'],
  formatted_number: [WEIGHT.formattedNumber, 'penalty: looks like a formatted number or amount'],
  number_sequence: [WEIGHT.numberSequence, 'penalty: part of a longer number'],
};

interface Draft {
  readonly code: string;
  readonly start: number;
  readonly end: number;
  readonly shape: ClusterShape;
  readonly alphanumeric: boolean;
}

class Scorecard {
  score = 0;
  readonly reasons: string[] = [];
  add(weight: number, reason: string): void {
    this.score += weight;
    this.reasons.push(reason);
  }
}

export function within(length: number, bounds: LengthBounds): boolean {
  return length >= bounds.min && length <= bounds.max;
}

function contains(outer: Span, inner: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

function inWebOtpLine(context: MessageContext, span: Span): boolean {
  return context.webOtpCode !== undefined && contains(context.webOtpCode, span);
}

/**
 * How a generated alphanumeric code differs from a word with a number in it. A generator draws from
 * ASCII capitals (or lower-case letters) and digits, so its digits land scattered: two runs or more
 * (`K7X9Q`, `123ABC78`, `a7k2m9`). A word carries one number, at its start, end or middle (`login34`,
 * `4you`, `ready2go`, `abc123def`, `COVID19`, `MP3`, `iOS17`), or is written in another script
 * (`жк123456`). One number between capitals (`KX7QPZ`) is a code's shape too: words in running text
 * are not written in capitals, and codes such as Steam Guard's are.
 */
function hasCodeShape(token: string): boolean {
  return ONE_CASE_ASCII.test(token) && (TWO_DIGIT_RUNS.test(token) || NUMBER_AMID_CAPITALS.test(token));
}

/** Longest gap that can still count as "right after" a keyword: `code is: [ `, `验证码为`. */
const LONGEST_CONNECTING_GAP = 40;

function gapIsConnectorsOnly(gap: string): boolean {
  return gap.length <= LONGEST_CONNECTING_GAP && CONNECTORS_ONLY.test(gap);
}

/** Scores the nearest keyword on each side of the number and keeps the better of the two. */
function scoreKeywords(context: MessageContext, codeStart: number, draft: Draft, card: Scorecard): void {
  const { text, keywords } = context;
  let before: KeywordHit | undefined;
  let after: KeywordHit | undefined;
  for (const hit of keywords) {
    if (hit.end <= codeStart) before = hit;
    else if (hit.start >= draft.end && after === undefined) after = hit;
  }
  const options: [number, string][] = [];
  if (before !== undefined) {
    const gap = text.slice(before.end, codeStart);
    if (!before.announcesCode) {
      if (gapIsConnectorsOnly(gap)) card.add(WEIGHT.notCodePhrase, `penalty: after '${before.word}'`);
    } else if (gapIsConnectorsOnly(gap)) {
      options.push([WEIGHT.keywordAdjacentBefore, `right after keyword '${before.word}'`]);
    } else if (gap.length <= KEYWORD_REACH_BEFORE) {
      const decayed = Math.max(WEIGHT.keywordFloor, WEIGHT.keywordNearBefore - gap.length * DECAY_BEFORE);
      const weight = SENTENCE_BREAK.test(gap) ? decayed / 2 : decayed;
      options.push([weight, `after keyword '${before.word}'`]);
    }
  }
  if (after?.announcesCode === true) {
    const gap = text.slice(draft.end, after.start);
    if (gapIsConnectorsOnly(gap)) options.push([WEIGHT.keywordAdjacentAfter, `right before keyword '${after.word}'`]);
    else if (gap.length <= KEYWORD_REACH_AFTER && !SENTENCE_BREAK.test(gap)) {
      const weight = Math.max(WEIGHT.keywordFloor, WEIGHT.keywordNearAfter - gap.length * DECAY_AFTER);
      options.push([weight, `before keyword '${after.word}'`]);
    }
  }
  const best = options.sort((a, b) => b[0] - a[0])[0];
  if (best !== undefined) card.add(best[0], best[1]);
  const isOrColon = ENDS_WITH_IS_OR_COLON.exec(text.slice(Math.max(0, codeStart - IS_OR_COLON_REACH), codeStart));
  if (isOrColon !== null && before?.announcesCode === true) {
    card.add(WEIGHT.isOrColon, /[:：=]/.test(isOrColon[0]) ? "follows ':'" : "follows 'is'");
  }
}

function scoreContext(context: MessageContext, codeStart: number, draft: Draft, card: Scorecard): void {
  const before = context.text.slice(Math.max(0, codeStart - CONTEXT_BEFORE), codeStart);
  const after = context.text.slice(draft.end, draft.end + CONTEXT_AFTER);
  const shapePenalty = SHAPE_PENALTY[draft.shape];
  if (shapePenalty !== undefined) card.add(...shapePenalty);
  const link = context.links.find((span) => contains(span, draft));
  if (link !== undefined) card.add(WEIGHT.link, `penalty: inside ${link.kind === 'URL' ? 'a URL' : 'an email address'}`);
  if (draft.shape !== 'phone' && PHONE_BEFORE.test(before)) card.add(WEIGHT.strongPenalty, 'penalty: looks like a phone number');
  if (CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(after)) card.add(WEIGHT.strongPenalty, 'penalty: looks like an amount');
  if (PERCENT_AFTER.test(after)) card.add(WEIGHT.strongPenalty, 'penalty: looks like a percentage');
  if (DURATION_AFTER.test(after)) card.add(WEIGHT.strongPenalty, 'penalty: looks like a duration');
  if (REFERENCE_BEFORE.test(before)) card.add(WEIGHT.reference, 'penalty: looks like a reference number');
  else if (before.endsWith('#') && !inWebOtpLine(context, draft)) card.add(WEIGHT.hash, "penalty: after '#'");
  if (draft.shape === 'single' && YEAR.test(draft.code)) {
    const dated = MONTH_BEFORE.test(before) || MONTH_AFTER.test(after) || YEAR_SUFFIX.test(after);
    card.add(dated ? WEIGHT.strongPenalty : WEIGHT.year, dated ? 'penalty: looks like a date' : 'penalty: looks like a year');
  }
}

function scoreDraft(context: MessageContext, draft: Draft): OtpCandidate {
  const card = new Scorecard();
  const prefix = draft.alphanumeric ? null : PREFIX_BEFORE.exec(context.text.slice(Math.max(0, draft.start - 6), draft.start));
  const codeStart = prefix?.[1] === undefined ? draft.start : draft.start - prefix[1].length - 1;
  if (inWebOtpLine(context, draft)) card.add(WEIGHT.webOtp, 'WebOTP line');
  if (context.retrieverHash !== undefined) card.add(WEIGHT.retriever, 'SMS Retriever message');
  if (prefix?.[1] !== undefined) card.add(WEIGHT.prefix, `prefix '${prefix[1]}-'`);
  scoreKeywords(context, codeStart, draft, card);
  if (draft.alphanumeric) {
    card.add(WEIGHT.alphanumeric, 'alphanumeric');
    if (within(draft.code.length, TYPICAL_ALPHANUMERIC)) card.add(WEIGHT.typicalLength, 'typical length');
  } else if (draft.code.length === 6) card.add(WEIGHT.sixDigits, 'typical length (6 digits)');
  else if (within(draft.code.length, TYPICAL_DIGITS)) card.add(WEIGHT.typicalLength, 'typical length');
  if (draft.shape === 'split_code') card.reasons.push('groups joined: split for readability');
  scoreContext(context, codeStart, draft, card);
  return { code: draft.code, score: card.score, start: draft.start, end: draft.end, reasons: card.reasons };
}

function clusterDraft(cluster: Cluster, bounds: HeuristicBounds): Draft | undefined {
  if (!within(cluster.digits.length, bounds.digits)) return undefined;
  return { code: cluster.digits, start: cluster.start, end: cluster.end, shape: cluster.shape, alphanumeric: false };
}

/**
 * A word of letters and digits counts in a WebOTP line, which says what its code is; elsewhere only in
 * a message about a code, and only when it has a code's shape (see hasCodeShape), however close to a
 * keyword it stands: `Your code is ready2go` holds no code. One shape needs the keyword right before
 * it: vowel-free capitals and one number (`Your Steam Guard code: KXQP7`). Generators such as Steam
 * Guard's drop vowels so that no code spells a word, while a name with a number has them (`COVID19`).
 */
function alphanumericDraft(context: MessageContext, word: Word, bounds: HeuristicBounds): Draft | undefined {
  if (!within(word.text.length, bounds.alphanumeric)) return undefined;
  const draft: Draft = { code: word.text, start: word.start, end: word.end, shape: 'single', alphanumeric: true };
  if (inWebOtpLine(context, draft)) return draft;
  if (!context.keywords.some((hit) => hit.announcesCode)) return undefined;
  if (hasCodeShape(word.text)) return draft;
  if (!VOWEL_FREE_CAPITALS_AND_A_NUMBER.test(word.text)) return undefined;
  const previous = context.keywords.findLast((hit) => hit.end <= word.start);
  const rightAfterKeyword =
    previous?.announcesCode === true && gapIsConnectorsOnly(context.text.slice(previous.end, word.start));
  return rightAfterKeyword ? draft : undefined;
}

/** Every plausible code token in the (normalised) message, scored; unordered. */
export function heuristicCandidates(context: MessageContext, bounds: HeuristicBounds): OtpCandidate[] {
  const { retrieverHash } = context;
  const words = scanWords(context.text).filter((word) => retrieverHash === undefined || !contains(retrieverHash, word));
  const drafts: Draft[] = [];
  for (const cluster of clusterNumbers(context.text, words)) {
    const draft = clusterDraft(cluster, bounds);
    if (draft !== undefined) drafts.push(draft);
  }
  for (const word of words) {
    if (word.kind !== 'mixed') continue;
    const draft = alphanumericDraft(context, word, bounds);
    if (draft !== undefined) drafts.push(draft);
  }
  return drafts.map((draft) => scoreDraft(context, draft));
}
