import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractOtp, type ExtractResult } from '../src/core/extract.js';

/** Every non-ASCII decimal digit, with its value: each contiguous run of `\p{Nd}` counts 0–9 repeatedly. */
function unicodeDigits(): Map<string, number> {
  const digits = new Map<string, number>();
  let runStart = -1;
  for (let codePoint = 0x80; codePoint <= 0x10ffff; codePoint += 1) {
    const char = String.fromCodePoint(codePoint);
    if (!/\p{Nd}/u.test(char)) {
      runStart = -1;
      continue;
    }
    if (runStart < 0) runStart = codePoint;
    digits.set(char, (codePoint - runStart) % 10);
  }
  return digits;
}

const UNICODE_DIGITS = unicodeDigits();
/** The digits of each script, indexed by value: `SCRIPTS[k][v]` is digit v of script k. */
const SCRIPTS: string[][] = [];
for (const [char, value] of UNICODE_DIGITS) {
  if (value === 0) SCRIPTS.push([]);
  SCRIPTS[SCRIPTS.length - 1]?.push(char);
}

// Four-digit codes that read as a year (1900–2099) need a strong signal; they are left to the example tests.
const code = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 4, maxLength: 8 })
  .map((digits) => digits.join(''))
  .filter((digits) => !/^(?:19|20)\d\d$/.test(digits));

const TEMPLATES: readonly ((code: string) => string)[] = [
  (c) => `Your Acme verification code is: ${c}.`,
  (c) => `${c} is your Amazon OTP. Do not share it with anyone.`,
  (c) => `Use ${c} as Microsoft account security code.`,
  (c) => `G-${c} is your Google verification code.`,
  (c) => `Your login code: ${c}`,
  (c) => `您的验证码是${c}，请勿泄露。`,
  (c) => `確認コードは${c}です。`,
  (c) => `인증번호 [${c}]를 입력해주세요.`,
  (c) => `Ваш код подтверждения: ${c}.`,
  (c) => `Tu código de verificación es ${c}.`,
  (c) => `رمز التحقق الخاص بك هو ${c}`,
  (c) => `आपका OTP ${c} है।`,
];

const twoDigits = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
const distractor = fc.oneof(
  fc.tuple(fc.integer({ min: 1990, max: 2099 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }))
    .map(([y, m, d]) => `Sent on ${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}.`),
  fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1990, max: 2099 }))
    .map(([d, m, y]) => `Due ${d}/${m}/${y}.`),
  fc.tuple(fc.integer({ min: 1, max: 99_999 }), twoDigits).map(([units, cents]) => `You paid $${units}.${cents}.`),
  fc.integer({ min: 1000, max: 99_999 }).map((amount) => `Balance: ${amount} USD.`),
  fc.integer({ min: 1000, max: 999_999 }).map((amount) => `Limit €${amount.toLocaleString('en-US')}.`),
  fc.integer({ min: 0, max: 9_999_999 }).map((n) => `Call +1 555 ${String(n).padStart(7, '0').replace(/^(\d{3})/, '$1 ')}.`),
  fc.integer({ min: 0, max: 9_999_999 }).map((n) => `Call (555) ${String(n).padStart(7, '0').replace(/^(\d{3})/, '$1-')}.`),
  fc.integer({ min: 1000, max: 99_999_999 }).map((n) => `Order #${n} has shipped.`),
  fc.integer({ min: 1, max: 1440 }).map((n) => `It expires in ${n} minutes.`),
  fc.tuple(fc.integer({ min: 0, max: 23 }), twoDigits).map(([h, m]) => `Sent at ${h}:${m}.`),
);

const message = fc.record({
  code,
  template: fc.constantFrom(...TEMPLATES),
  distractors: fc.array(distractor, { maxLength: 4 }),
  position: fc.nat(),
});

const SOUP_PIECES = [
  ' ', '\n', '-', '+', '(', ')', ':', '/', '.', ',', '#', '@', '$', '%', '<#>', 'code', 'is', 'OTP', 'G-', 'www.',
  'https://', '.com', '482', '913', '0', '12', '2026', '48291763', '４８２', '٤٨٢', '𝟒', 'K7X', 'Q', 'a', '验证码',
  'USD', 'minutes', 'Order', '\u00A0', '\uD800', 'é',
];
const soup = fc.array(fc.constantFrom(...SOUP_PIECES), { maxLength: 60 }).map((pieces) => pieces.join(''));
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), soup);
const bounds = fc.record(
  { minLength: fc.integer({ min: 1, max: 8 }), maxLength: fc.integer({ min: 8, max: 12 }) },
  { requiredKeys: [] },
);

const CODE_SEPARATORS = /[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/gu;
/** Also inside the numbers a candidate may stand for, to explain a penalty: `2026-11-26`, `$1,200.50`. */
const NUMBER_SEPARATORS = /[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D.,/:()]/gu;

/** Text as written, folded the way codes are compared: separators out, digits to ASCII. */
function fold(written: string, separators: RegExp): string {
  return [...written.replace(separators, '')]
    .map((char) => {
      const digit = UNICODE_DIGITS.get(char);
      return digit === undefined ? char.normalize('NFKC') : String(digit);
    })
    .join('');
}

function expectWellFormed(text: string, result: ExtractResult): void {
  const scores = result.candidates.map((candidate) => candidate.score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  for (const candidate of result.candidates) {
    expect(candidate.start).toBeLessThan(candidate.end);
    expect(fold(text.slice(candidate.start, candidate.end), NUMBER_SEPARATORS)).toBe(candidate.code);
    for (const reason of candidate.reasons) expect(reason).not.toContain(candidate.code);
  }
  const [best] = result.candidates;
  if (result.code === undefined || best === undefined) return;
  expect(result.code).toBe(best.code);
  expect(fold(text.slice(best.start, best.end), CODE_SEPARATORS)).toBe(result.code);
}

describe('extractOtp properties', () => {
  it('finds a generated code in a generated message full of dates, amounts, phone numbers and references', () => {
    fc.assert(
      fc.property(message, ({ code: expected, template, distractors, position }) => {
        const sentences = [...distractors];
        sentences.splice(position % (distractors.length + 1), 0, template(expected));
        expect(extractOtp(sentences.join(' ')).code).toBe(expected);
      }),
    );
  });

  it('reads digits of every Unicode decimal script as ASCII, even mixed within one code', () => {
    fc.assert(
      fc.property(code, fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), (expected, scriptPicks) => {
        const written = [...expected]
          .map((digit, i) => SCRIPTS[(scriptPicks[i] ?? 0) % SCRIPTS.length]?.[Number(digit)] ?? digit)
          .join('');
        expect(extractOtp(`Your verification code is ${written}`).code).toBe(expected);
      }),
    );
  });

  it('only ever returns an ASCII letter-and-digit code within the length bounds', () => {
    fc.assert(
      fc.property(anyText, bounds, (text, options) => {
        const { code: found } = extractOtp(text, options);
        if (found === undefined) return;
        expect(found).toMatch(/^[0-9A-Za-z]+$/);
        expect(found.length).toBeGreaterThanOrEqual(options.minLength ?? 4);
        expect(found.length).toBeLessThanOrEqual(options.maxLength ?? 10);
      }),
    );
  });

  it('derives the code and every candidate from the text they point at, ranks them, and keeps codes out of reasons', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expectWellFormed(text, extractOtp(text));
      }),
    );
  });

  it('never throws on arbitrary text and options, and gives the same answer twice', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.record({ minLength: fc.integer({ min: -2, max: 30 }), maxLength: fc.integer({ min: -2, max: 30 }) }, { requiredKeys: [] }),
        (text, options) => {
          expect(extractOtp(text, options)).toEqual(extractOtp(text, options));
        },
      ),
    );
  });
});
