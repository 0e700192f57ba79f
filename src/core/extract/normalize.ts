// Folds the many ways a code can be written into one: every Unicode decimal digit becomes its ASCII
// digit, full-width Latin letters and exotic spaces or dashes become their ASCII counterparts. CJK
// punctuation (`，`, `：`, `。`) is kept: it separates clauses, and must not read as a decimal point.
// Invisible characters are dropped, so the text is read as a person sees it: `48<ZWSP>2913` is
// `482913`, never the fragments `48` and `2913`, and `login<ZWSP>34` stays one word.
// Each character of the result remembers where it came from, so candidates can point back into the
// original text.

export interface NormalisedText {
  readonly text: string;
  /** `starts[i]` is the index in the original of the character normalised index `i` came from… */
  readonly starts: readonly number[];
  /** …and `ends[i]` the index right after it. */
  readonly ends: readonly number[];
  /** Indices in the original of the invisible characters that were dropped, ascending. */
  readonly dropped: readonly number[];
}

const DECIMAL_DIGIT = /\p{Nd}/u;
const SPACE_LIKE = /[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/;
const DASH_LIKE = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/;
const FULL_WIDTH_LETTER = /[\uFF21-\uFF3A\uFF41-\uFF5A]/;
const FULL_WIDTH_SHIFT = 0xfee0;
/**
 * Characters that take no room on screen: controls and format characters (NUL, soft hyphen, ZWSP,
 * ZWNJ/ZWJ, LRM/RLM, bidi embeddings, word joiner, BOM…) and the other default-ignorables such as
 * variation selectors. Tabs and line breaks are whitespace and stay: they separate words.
 */
const INVISIBLE = /^(?!\p{White_Space})[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]$/u;

const digitValues = new Map<number, number>();

/**
 * The value of a non-ASCII decimal digit. Unicode assigns decimal digits only in contiguous runs of
 * ten, ascending from 0, so the value is the distance from the start of the run modulo ten.
 */
function digitValue(codePoint: number): number {
  const cached = digitValues.get(codePoint);
  if (cached !== undefined) return cached;
  let runStart = codePoint;
  while (DECIMAL_DIGIT.test(String.fromCodePoint(runStart - 1))) runStart -= 1;
  const value = (codePoint - runStart) % 10;
  digitValues.set(codePoint, value);
  return value;
}

/** What `char` reads as: itself, its ASCII counterpart, or nothing when it is invisible. */
function fold(char: string, codePoint: number): string {
  if (codePoint >= 0x20 && codePoint < 0x7f) return char; // printable ASCII, by far the most common
  if (INVISIBLE.test(char)) return '';
  if (codePoint < 0x80) return char; // tab and line breaks
  if (FULL_WIDTH_LETTER.test(char)) return String.fromCharCode(codePoint - FULL_WIDTH_SHIFT);
  if (DECIMAL_DIGIT.test(char)) return String(digitValue(codePoint));
  if (SPACE_LIKE.test(char)) return ' ';
  if (DASH_LIKE.test(char)) return '-';
  return char;
}

/** Normalises `text` (see the module comment); the result never has more code units than `text`. */
export function normaliseText(text: string): NormalisedText {
  let out = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const dropped: number[] = [];
  let index = 0;
  for (const char of text) {
    const folded = fold(char, char.codePointAt(0) ?? 0);
    if (folded === '') dropped.push(index);
    out += folded;
    for (let unit = 0; unit < folded.length; unit += 1) {
      starts.push(index);
      ends.push(index + char.length);
    }
    index += char.length;
  }
  return { text: out, starts, ends, dropped };
}
