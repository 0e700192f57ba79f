// Cuts normalised text into letter/digit words and groups adjacent numbers into clusters, so that
// `482 913` can be read as one split code while `(555) 010-0123` or `2026-11-26` are read as a whole
// phone number or date instead of as loose fragments.

export type WordKind = 'digits' | 'letters' | 'mixed';

export interface Word {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly kind: WordKind;
}

export type ClusterShape =
  | 'single'
  | 'split_code'
  | 'phone'
  | 'date'
  | 'time'
  | 'formatted_number'
  | 'number_sequence';

export interface Cluster {
  readonly words: readonly Word[];
  readonly start: number;
  readonly end: number;
  /** The digits of every word, separators dropped. */
  readonly digits: string;
  readonly shape: ClusterShape;
}

/**
 * Letters of scripts written without spaces between words, or that glue particles straight onto a
 * number (`验证码482913`, `482913입니다`, `รหัส482913`): they end a word instead of joining it.
 */
const UNSPACED_SCRIPT =
  '[\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}\\p{scx=Thai}\\p{scx=Lao}\\p{scx=Khmer}\\p{scx=Myanmar}]';
/** Digits (ASCII by now) and letters, marks included, of every script but those; ASCII first, as the common case. */
const WORD = new RegExp(`(?:[0-9A-Za-z]|(?!${UNSPACED_SCRIPT})[\\p{L}\\p{M}])+`, 'gu');
const DIGIT = /[0-9]/;
const NON_DIGIT = /[^0-9]/;

/**
 * Maximal runs of letters and digits. Digits glued to letters make one word, whatever the script:
 * `login34`, `жк123456` and `login٣٤` are words with a number in them, not a number beside a word.
 */
export function scanWords(text: string): Word[] {
  return Array.from(text.matchAll(WORD), ({ 0: word, index: start }) => {
    const hasDigit = DIGIT.test(word);
    const hasLetter = NON_DIGIT.test(word);
    const kind: WordKind = hasDigit && hasLetter ? 'mixed' : hasDigit ? 'digits' : 'letters';
    return { start, end: start + word.length, text: word, kind };
  });
}

/** What may join two numbers of one cluster: `482 913`, `010-0123`, `12.50`, `10:45`, `(555) 010`. */
const JOINING_GAP = /^(?: |-| - |\.|,|\/|:|\) ?|\) ?- ?| \()$/;
const DATE_GAP = /^[-/.]$/;
const SPLIT_CODE_GAP = /^(?: |-| - )$/;
/** A space only joins short groups: `98765 43210` is two numbers, `555 0100` is one. */
const LONGEST_SPACE_JOINED_GROUP = 4;

function joins(gap: string, left: Word, right: Word, phoneLead: boolean): boolean {
  if (!JOINING_GAP.test(gap)) return false;
  if (gap !== ' ' || phoneLead) return true;
  return left.text.length <= LONGEST_SPACE_JOINED_GROUP && right.text.length <= LONGEST_SPACE_JOINED_GROUP;
}

function isDate(groups: readonly string[], gaps: readonly string[]): boolean {
  const [first, second, third] = groups.map((group) => group.length);
  if (gaps.length === 2 && DATE_GAP.test(gaps[0] ?? '') && gaps[0] === gaps[1]) {
    if (first === 4) return second !== undefined && second <= 2 && third !== undefined && third <= 2;
    return first !== undefined && first <= 2 && second !== undefined && second <= 2 && (third === 4 || third === 2);
  }
  return gaps.length === 1 && gaps[0] === '/' && first !== undefined && first <= 2 && second !== undefined && second <= 2;
}

function classify(groups: readonly string[], gaps: readonly string[], phoneLead: boolean): ClusterShape {
  if (phoneLead) return 'phone';
  if (groups.length === 1) return 'single';
  const total = groups.join('').length;
  if (gaps.some((gap) => gap === ':')) {
    return groups.length <= 3 && groups.every((group) => group.length <= 2) ? 'time' : 'number_sequence';
  }
  if (isDate(groups, gaps)) return 'date';
  if (gaps.some((gap) => gap.includes('(') || gap.includes(')'))) return 'phone';
  // `1,200`, `12.50`, `3/4567`: punctuation no service puts inside a code.
  if (!gaps.every((gap) => SPLIT_CODE_GAP.test(gap))) return 'formatted_number';
  const firstLength = groups[0]?.length ?? 0;
  const evenlyGrouped = groups.every((group) => group.length === firstLength) && firstLength >= 2 && firstLength <= 4;
  if (evenlyGrouped && gaps.every((gap) => gap === gaps[0])) return 'split_code';
  return total >= 7 ? 'phone' : 'number_sequence';
}

/** Groups the digit words of `words` into clusters; `text` is the string they were scanned from. */
export function clusterNumbers(text: string, words: readonly Word[]): Cluster[] {
  const clusters: Cluster[] = [];
  let i = 0;
  while (i < words.length) {
    const first = words[i];
    i += 1;
    if (first === undefined || first.kind !== 'digits') continue;
    const phoneLead = text.slice(Math.max(0, first.start - 2), first.start).includes('+');
    const members: Word[] = [first];
    const gaps: string[] = [];
    for (let next = words[i]; next !== undefined && next.kind === 'digits'; next = words[i]) {
      const last = members[members.length - 1] as Word;
      const gap = text.slice(last.end, next.start);
      if (!joins(gap, last, next, phoneLead)) break;
      members.push(next);
      gaps.push(gap);
      i += 1;
    }
    const groups = members.map((word) => word.text);
    const last = members[members.length - 1] as Word;
    clusters.push({
      words: members,
      start: first.start,
      end: last.end,
      digits: groups.join(''),
      shape: classify(groups, gaps, phoneLead),
    });
  }
  return clusters;
}
