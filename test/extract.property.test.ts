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

/** Every control and format character that is not whitespace: NUL, soft hyphen, ZWSP, RLM, BOM, tag characters… */
function invisibleMarks(): string[] {
  const mark = /^(?!\p{White_Space})[\p{Cc}\p{Cf}]$/u;
  const marks: string[] = [];
  for (let codePoint = 0; codePoint <= 0x10ffff; codePoint += 1) {
    const char = String.fromCodePoint(codePoint);
    if (mark.test(char)) marks.push(char);
  }
  return marks;
}

const INVISIBLE_MARKS = invisibleMarks();
/** What extraction reads as absent: the marks above and the other default-ignorables (variation selectors…). */
const INVISIBLE = /(?!\p{White_Space})[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
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

/** Letters of scripts that put spaces between words; glued to digits, they make a word with a number in it. */
const SPACED_SCRIPT_LETTERS = [
  'éèàçñüößøåł',
  'абвгдежзийклмнопрстуфхцчшщыэюяё',
  'αβγδεζηθικλμνξοπρστυφχψω',
  'ابتثجحخدذرزسشصضطظعغفقكلمنهوي',
  'אבגדהוזחטיכלמנסעפצקרשת',
  'कखगघचछजझटठडढतथदधनपफबभमयरलवशसहािीुूेैोौं',
  'աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ',
  'აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ',
].map((letters) => Array.from(letters));
const LATIN = Array.from('abcdefghijklmnopqrstuvwxyz');

/** One to eight digits, in ASCII or in one other decimal script. */
const writtenDigits = fc
  .tuple(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 8 }), fc.option(fc.nat(), { freq: 2 }))
  .map(([digits, script]) =>
    digits.map((value) => (script === null ? String(value) : SCRIPTS[script % SCRIPTS.length]?.[value])).join(''),
  );

function glue(letters: string, digits: string, position: 'start' | 'middle' | 'end'): string {
  if (position === 'start') return `${digits}${letters}`;
  if (position === 'end') return `${letters}${digits}`;
  const cut = Math.ceil(letters.length / 2);
  return `${letters.slice(0, cut)}${digits}${letters.slice(cut)}`;
}

const position = fc.constantFrom('start', 'middle', 'end' as const);
const latinLetters = fc.array(fc.constantFrom(...LATIN), { minLength: 1, maxLength: 7 }).map((letters) => letters.join(''));

/**
 * A Latin word carrying one number: `ready2go`, `Login34`, `iOS17`, `4YOU`, `COVID19`. In capitals the
 * number sits at an edge and the letters hold a vowel: capitals around a number (`READY2GO`), and
 * vowel-free capitals beside one (`KXQP7`), are a code's shape, read when announced.
 */
const latinWordWithNumber = fc
  .record({
    letters: latinLetters,
    digits: writtenDigits,
    position,
    letterCase: fc.constantFrom('lower', 'title', 'upper', 'mixed' as const),
    caseFlips: fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
    fullWidth: fc.nat(3).map((pick) => pick === 0),
    vowel: fc.constantFrom('A', 'E', 'I', 'O', 'U'),
  })
  .map(({ letters, digits, position: at, letterCase, caseFlips, fullWidth, vowel }) => {
    let cased = letters;
    if (letterCase === 'title') cased = `${letters.slice(0, 1).toUpperCase()}${letters.slice(1)}`;
    if (letterCase === 'upper') cased = letters.toUpperCase();
    if (letterCase === 'mixed') {
      // A lower-case first letter keeps it mixed: `iOS`, `eBay`.
      cased = Array.from(letters).map((letter, i) => (i > 0 && caseFlips[i] === true ? letter.toUpperCase() : letter)).join('');
    }
    const inCapitals = cased === cased.toUpperCase(); // also a one-letter title: `V`
    const word = inCapitals
      ? glue(/[AEIOU]/.test(cased) ? cased : `${cased}${vowel}`, digits, at === 'middle' ? 'end' : at)
      : glue(cased, digits, at);
    return fullWidth ? word.replace(/[A-Za-z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 0xfee0)) : word;
  });

/** A word of another spaced script (or accented Latin) carrying one number anywhere: `ж123`, `ب٤٨٢`, `क482913`. */
const scriptWordWithNumber = fc
  .record({
    letters: fc
      .constantFrom(...SPACED_SCRIPT_LETTERS)
      .chain((script) => fc.array(fc.constantFrom(...script), { minLength: 1, maxLength: 6 })),
    digits: writtenDigits,
    position,
  })
  .map(({ letters, digits, position: at }) => glue(letters.join(''), digits, at));

/** Words without digits, in scripts with and without spaces. */
const WORDS = [
  'Your', 'is', 'login', 'use', 'for', 'the', 'Acme', 'K', 'G', 'FB', 'Ваш', 'σας', 'التحقق', 'שלך', 'आपका', 'है',
  'です', '입니다', 'คือ', '，请勿泄露。',
];
const SPACED_CODE_WORDS = ['code', 'verification code', 'OTP', 'PIN', 'código', 'код', 'κωδικός', 'رمز', 'קוד', 'कोड'];
/** Code words of scripts without spaces, which may touch what follows them: `验证码ready2go`. */
const UNSPACED_CODE_WORDS = ['验证码', '確認コード', '인증번호', 'รหัส'];
/** What may stand between a code word and its code: the strongest signal there is. */
const CONNECTORS = [' ', ': ', ' is ', ' is: ', '：', ' [', ' #'];
const SEPARATORS = [' ', ' ', ' ', ', ', ': ', '\n', ' - ', '-', '. ', ' (', ') ', ' #', ' [', '] ', '：', '，'];

function sprinkle(text: string, marks: readonly (readonly [number, string])[]): string {
  const chars = Array.from(text);
  for (const [at, mark] of marks) chars.splice(at % (chars.length + 1), 0, mark);
  return chars.join('');
}

const COMMON_MARKS = ['\u200F', '\u200E', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD', '\u0000'];
const invisibleMark = fc.oneof(fc.constantFrom(...COMMON_MARKS), fc.constantFrom(...INVISIBLE_MARKS, '\uFE0F', '\u034F'));
const sprinkledMarks = fc.array(fc.tuple(fc.nat(), invisibleMark), { maxLength: 6 });

const wordWithNumber = fc.oneof(latinWordWithNumber, scriptWordWithNumber);
/** A word with a number where a code would stand: `Your code is ready2go`, `ready2go is your code`. */
const announcedWordWithNumber = fc
  .tuple(
    fc.oneof(
      fc.tuple(fc.constantFrom(...SPACED_CODE_WORDS), fc.constantFrom(...CONNECTORS)),
      fc.tuple(fc.constantFrom(...UNSPACED_CODE_WORDS), fc.constantFrom('', ...CONNECTORS)),
    ),
    wordWithNumber,
    fc.boolean(),
  )
  .map(([[codeWord, connector], word, codeWordFirst]) =>
    codeWordFirst ? `${codeWord}${connector}${word}` : `${word} is your ${codeWord}`,
  );

/** Words, some carrying a number, between separators, with invisible marks anywhere. */
const textWithNumbersOnlyInsideWords = fc
  .record({
    words: fc.array(
      fc.oneof(fc.constantFrom(...WORDS, ...SPACED_CODE_WORDS, ...UNSPACED_CODE_WORDS), wordWithNumber, announcedWordWithNumber),
      { minLength: 1, maxLength: 8 },
    ),
    separators: fc.array(fc.constantFrom(...SEPARATORS), { minLength: 8, maxLength: 8 }),
    marks: sprinkledMarks,
  })
  .map(({ words, separators, marks }) =>
    sprinkle(words.map((word, i) => (i === 0 ? word : `${separators[i] ?? ' '}${word}`)).join(''), marks),
  );

/** Any text at all, its digits taken out, with invisible marks anywhere. */
const textWithoutDigits = fc
  .tuple(anyText, sprinkledMarks)
  .map(([text, marks]) => sprinkle(text.replace(/\p{Nd}/gu, ''), marks));

const CODE_SEPARATORS = /[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/gu;
/** Also inside the numbers a candidate may stand for, to explain a penalty: `2026-11-26`, `$1,200.50`. */
const NUMBER_SEPARATORS = /[\s\-\u2010-\u2015\u2212\uFE58\uFE63\uFF0D.,/:()]/gu;

/** Text as written, folded the way codes are compared: separators and invisible marks out, digits to ASCII. */
function fold(written: string, separators: RegExp): string {
  return Array.from(written.replace(separators, '').replace(INVISIBLE, ''))
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
        const written = Array.from(expected)
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
  it('takes no code from text whose only digits sit inside words, in any script, across invisible marks', () => {
    fc.assert(
      fc.property(fc.oneof(textWithNumbersOnlyInsideWords, textWithoutDigits), (text) => {
        expect(extractOtp(text).code).toBeUndefined();
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads a code split by invisible marks whole, never a fragment', () => {
    fc.assert(
      fc.property(
        code,
        fc.constantFrom(...TEMPLATES),
        fc.array(fc.tuple(fc.nat(), invisibleMark), { minLength: 1, maxLength: 3 }),
        (expected, template, marks) => {
          const digits = Array.from(expected);
          // Strictly inside the code: between two of its digits.
          for (const [at, mark] of marks) digits.splice(1 + (at % (digits.length - 1)), 0, mark);
          const text = template(digits.join(''));
          const result = extractOtp(text);
          expect(result.code).toBe(expected);
          const [best] = result.candidates;
          expect(fold(text.slice(best?.start, best?.end), CODE_SEPARATORS)).toBe(expected);
        },
      ),
      // Enough runs to meet each of the ~230 marks several times.
      { numRuns: 2_000 },
    );
  });
});
