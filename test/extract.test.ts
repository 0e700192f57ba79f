import { describe, expect, it } from 'vitest';
import { compileCodePattern, extractOtp, InvalidCodePatternError } from '../src/core/extract.js';

// [sender or situation, message, expected code]
const REAL_WORLD_MESSAGES: readonly (readonly [string, string, string])[] = [
  ['Google, prefixed code', 'G-482913 is your Google verification code.', '482913'],
  ['Facebook, prefixed code', 'FB-48291 is your Facebook confirmation code', '48291'],
  ['Facebook, plain code before the keyword', '48291763 is your Facebook login code. Laa6GVTmXQq', '48291763'],
  [
    'WhatsApp, hyphen-split code and a link holding the same digits',
    "Your WhatsApp code: 123-456\n\nYou can also tap on this link to verify your phone: v.whatsapp.com/123456\n\nDon't share this code with others",
    '123456',
  ],
  ['Microsoft, code before the keyword', 'Use 482913 as Microsoft account security code', '482913'],
  ['Microsoft, four digits', 'Microsoft account security code: 4829', '4829'],
  ['Apple, with its WebOTP line', "Your Apple Account code is: 482913. Don't share it with anyone.\n\n@apple.com #482913 %apple.com", '482913'],
  ['Apple ID, older wording', "Your Apple ID Code is: 482913. Don't share it with anyone.", '482913'],
  ['Twilio Verify default template, leading zeros kept', 'Your Acme verification code is: 004821', '004821'],
  ['Amazon', '482913 is your Amazon OTP. Do not share it with anyone.', '482913'],
  ['Uber, with an opt-out phone number', 'Your Uber code: 4829. Never share this code. Reply STOP ALL to +1 555 010 0199 to unsubscribe.', '4829'],
  ['Telegram, with a login link', 'Telegram code: 48291\n\nYou can also tap on this link to log in:\nhttps://t.me/login/48291', '48291'],
  [
    'Indian bank, amount and card number first',
    'OTP for txn of INR 1,200.00 at AMAZON on your card ending 1234 is 482913. Valid for 10 mins. Do not share it with anyone - HDFC Bank',
    '482913',
  ],
  [
    'US bank, eight digits and a support number',
    "Chase: Your one-time code is 48291763. Don't share it. We'll never call to ask for it. Questions? Call 1-800-935-9935.",
    '48291763',
  ],
  ['PayPal, with an expiry', "PayPal: Your security code is: 482913. Your code expires in 10 minutes. Please don't reply.", '482913'],
  ['European payment, amount before the code', 'Your one-time passcode for the €1,200 payment to ACME Ltd is 482913.', '482913'],
  ['Steam Guard, alphanumeric', 'Your Steam Guard code: K7X9Q', 'K7X9Q'],
  ['alphanumeric login code', 'Your login code is K7X9QP', 'K7X9QP'],
  ['alphanumeric, one number amid capitals', 'Your Steam Guard code: KX7QP', 'KX7QP'],
  ['alphanumeric, one number after capitals without a vowel', 'Your Steam Guard code: KXQP7', 'KXQP7'],
  ['alphanumeric, lower case', 'Your login code is k7x9qp', 'k7x9qp'],
  ['SMS Retriever, digits', '<#> Your ExampleApp code is: 482913\nFA+9qCX9VSu', '482913'],
  ['SMS Retriever, alphanumeric (the documented example)', '<#> Your ExampleApp code is: 123ABC78\nFA+9qCX9VSu', '123ABC78'],
  ['WebOTP line only', '@example.com #482913', '482913'],
  ['WebOTP line after the text', 'Your OTP is: 482913.\n\n@example.com #482913', '482913'],
  ['WebOTP line with an embedded origin', 'Sign in to Example\n@example.com #482913 $other.com', '482913'],
  ['WebOTP cross-origin iframe', 'Pay with Bank\n@shop.example #482913 @bank.example', '482913'],
  ['WebOTP alphanumeric code', 'Sign in to Example\n@example.com #K7X9QP', 'K7X9QP'],
  ['space-split code', 'Your code is 482 913', '482913'],
  ['hyphen-split code', 'Your code is 482-913', '482913'],
  ['code split by a no-break space', 'Your code is 482\u00A0913', '482913'],
  ['Chinese, full-width digits', '【腾讯科技】您的验证码是４８２９１３，5分钟内有效，请勿泄露。', '482913'],
  ['Chinese, simplified', '【淘宝】验证码482913，您正在登录，若非本人操作，请勿泄露。', '482913'],
  ['Chinese, traditional', '您的驗證碼為482913，請於10分鐘內輸入。', '482913'],
  ['Japanese, confirmation code', '【Amazon】確認コードは482913です。このコードは誰とも共有しないでください。', '482913'],
  ['Japanese, authentication number', '【LINE】認証番号：4829\nこの番号をLINEで入力してください。', '4829'],
  ['Korean', '[Web발신]\n[카카오] 인증번호 [482913]를 입력해주세요.', '482913'],
  ['Hindi, Devanagari digits', 'आपका OTP ४८२९१३ है', '482913'],
  ['Hindi, verification code', 'आपका सत्यापन कोड 482913 है। इसे किसी के साथ साझा न करें।', '482913'],
  ['Arabic, Arabic-Indic digits', 'رمز التحقق الخاص بك هو ٤٨٢٩١٣', '482913'],
  ['Persian, extended Arabic-Indic digits', 'کد تأیید شما: ۴۸۲۹۱۳', '482913'],
  ['Russian', 'Ваш код подтверждения: 482913. Никому не сообщайте его.', '482913'],
  ['Russian, Telegram', 'Код для входа в Telegram: 48291. Не давайте код никому.', '48291'],
  ['Spanish', 'Tu código de verificación es 482913', '482913'],
  ['Portuguese', 'Seu código de verificação é 482913. Não compartilhe.', '482913'],
  ['French', 'Votre code de vérification est 482913.', '482913'],
  ['German', 'Ihr Bestätigungscode lautet 482913.', '482913'],
  ['Italian', 'Il tuo codice di verifica è 482913', '482913'],
  ['Turkish', 'Doğrulama kodunuz: 482913. Bu kodu kimseyle paylaşmayın.', '482913'],
  ['Polish', 'Twój kod weryfikacyjny to 482913', '482913'],
  ['Dutch', 'Je verificatiecode is 482913', '482913'],
  ['Indonesian', 'Kode verifikasi Anda adalah 482913.', '482913'],
  ['Vietnamese', 'Mã xác thực của bạn là 482913', '482913'],
  ['Greek', 'Ο κωδικός σας είναι 482913', '482913'],
  ['Hebrew', 'קוד האימות שלך הוא 482913', '482913'],
  ['Thai', 'รหัส OTP ของคุณคือ 482913', '482913'],
  [
    'code among a reference, a date, a time and an amount',
    'Your Acme code is 482913. It expires in 10 minutes. Order #123456 was placed on 26/11/2026 at 10:45 for $12.50.',
    '482913',
  ],
  ['code after an amount', 'You are paying $1,200.00 to ACME. Your OTP is 482913.', '482913'],
  ['code before a local phone number', 'Your verification code is 4829. If you did not request it, call (555) 010-0123.', '4829'],
  ['year-like code right after the keyword', 'Your code is 2026', '2026'],
];

const MESSAGES_WITHOUT_CODE: readonly (readonly [string, string])[] = [
  ['an order number', 'Your order #123456 has shipped and will arrive on Nov 26.'],
  ['an international phone number', 'Call us at +1 555 010 0123 for help.'],
  ['a local phone number', 'Call (555) 010-0123 to reschedule.'],
  ['an ISO date and a time', 'Your appointment is on 2026-11-26 at 10:45.'],
  ['a day/month/year date', 'Reminder: your appointment is on 26/11/2026.'],
  ['a dollar amount', 'You paid $12.50 at ACME.'],
  ['a euro amount with a thousands separator', 'Invoice total €1,200 due Nov 26.'],
  ['an amount with a currency code after it', 'Your balance is 1200 USD.'],
  ['a reference', 'Your ref 99812 has been received.'],
  ['a ticket number', 'Ticket 482913 has been updated.'],
  ['an account number', 'Your account ending in 4821 was charged.'],
  ['a duration', 'Your session expires in 10 minutes.'],
  ['a long duration', 'Your link is valid for 1440 minutes.'],
  ['a percentage and a year', 'Sale! 5000% fun, 50% off everything until 2026.'],
  ['a year', 'Happy New Year 2026!'],
  ['a month and a year', 'Statement for November 2026 is ready.'],
  ['digits inside a URL', 'Track your parcel at https://track.example.com/482913'],
  ['digits inside an email address', 'Write to support4821@example.com for help.'],
  ['a promo code', 'Use promo code SAVE20 to get 20% off.'],
  ['a zip code', 'Enter your zip code 94103 to find stores.'],
  ['an error code', 'Error code 30003: message undelivered.'],
  ['a flight number', 'Your flight BA2490 departs at 10:45.'],
  ['a keyword but no number', 'Your code was sent. It expires in 5 min.'],
  ['no digits at all', 'Thanks for shopping with us!'],
  ['nothing', ''],
  ['a lone number with nothing saying it is a code', 'Your package 482913 arrives tomorrow.'],
];

describe('extractOtp on real-world messages', () => {
  it.each(REAL_WORLD_MESSAGES)('finds the code: %s', (_sender, message, expected) => {
    expect(extractOtp(message).code).toBe(expected);
  });
});

describe('extractOtp on messages without a code', () => {
  it.each(MESSAGES_WITHOUT_CODE)('takes no code from %s', (_situation, message) => {
    expect(extractOtp(message).code).toBeUndefined();
  });
});

// Each carries a keyword, so only the shape of the word can tell it is not a code.
const WORDS_WITH_A_NUMBER_IN_THEM: readonly (readonly [string, string])[] = [
  ['a number in the middle of a word', 'Your code is ready2go'],
  ['a number after a word', 'Your login code: login34'],
  ['a number inside lower-case letters', 'Your code: abc123def'],
  ['a name with a number, in capitals', 'Your code: COVID19'],
  ['a version', 'Your code: v2024'],
  ['a number before a word', 'Your code: 4ever'],
  ['a plural file format', 'Your code: mp3s'],
  ['mixed case', 'Your code: Win10x64'],
  ['Arabic-Indic digits inside a Latin word', 'Your code: login٣٤'],
  ['full-width letters and digits', 'Your code: ｌｏｇｉｎ３４'],
  ['an accented Latin letter', 'Your code: é123456'],
  ['a Cyrillic letter', 'Ваш код: ж123456'],
  ['a Cyrillic letter after the digits', 'Ваш код: 123456ж'],
  ['a Greek letter', 'Ο κωδικός σας: Ω4829'],
  ['an Arabic letter', 'رمز التحقق: ب٤٨٢٩١٣'],
  ['a Devanagari letter', 'आपका OTP क482913 है'],
  ['a word split from its number by an invisible mark', 'Your code: ab\u200B123456'],
];

describe('extractOtp on words with a number in them', () => {
  it.each(WORDS_WITH_A_NUMBER_IN_THEM)('takes no code from %s', (_shape, message) => {
    expect(extractOtp(message).code).toBeUndefined();
  });

  it.each([
    ['Chinese', '验证码482913，请勿泄露。'],
    ['Japanese', '確認コード482913です。'],
    ['Korean', '인증번호는 482913입니다.'],
    ['Thai', 'รหัส482913'],
  ])('still reads digits glued to a script written without spaces: %s', (_language, message) => {
    expect(extractOtp(message).code).toBe('482913');
  });
});

// Marks that take no room on screen: a person reads the code across them, and so does extraction.
const INVISIBLE_MARKS: readonly (readonly [string, string])[] = [
  ['a right-to-left mark', '\u200F'],
  ['a left-to-right mark', '\u200E'],
  ['a zero-width space', '\u200B'],
  ['a zero-width non-joiner', '\u200C'],
  ['a zero-width joiner', '\u200D'],
  ['a word joiner', '\u2060'],
  ['a byte order mark', '\uFEFF'],
  ['a soft hyphen', '\u00AD'],
  ['a NUL', '\u0000'],
  ['a bell control character', '\u0007'],
  ['an Arabic letter mark', '\u061C'],
  ['a left-to-right embedding', '\u202A'],
  ['a variation selector', '\uFE0F'],
];

describe('extractOtp on a code interrupted by an invisible mark', () => {
  it.each(INVISIBLE_MARKS)('reads the code whole across %s', (_mark, mark) => {
    expect(extractOtp(`Your code is 48${mark}2913`).code).toBe('482913');
  });

  it('points the span at the whole code, the mark included', () => {
    const message = 'Your code is 48\u200B2913.';
    const [best] = extractOtp(message).candidates;
    expect(message.slice(best?.start, best?.end)).toBe('48\u200B2913');
  });

  it('says so in the reasons', () => {
    const [best] = extractOtp('Your code is 4829\u200F13').candidates;
    expect(best?.reasons).toContain('read across an invisible character');
  });

  it('reads a split code whole when a mark sits inside one of its groups', () => {
    expect(extractOtp('Your code is 48\u00AD2 913').code).toBe('482913');
  });
});

describe('extractOtp candidates', () => {
  it('points start and end at the code in the original text, full-width digits included', () => {
    const message = '验证码：４８２９１３';
    const [best] = extractOtp(message).candidates;
    expect(message.slice(best?.start, best?.end)).toBe('４８２９１３');
  });

  it('points at astral-plane digits by their UTF-16 positions', () => {
    const message = 'Your code is 𝟒𝟖𝟐𝟗𝟏𝟑!';
    const result = extractOtp(message);
    expect(result.code).toBe('482913');
    expect(message.slice(result.candidates[0]?.start, result.candidates[0]?.end)).toBe('𝟒𝟖𝟐𝟗𝟏𝟑');
  });

  it('spans both groups of a split code', () => {
    const message = 'Your code is 482 913.';
    const [best] = extractOtp(message).candidates;
    expect(message.slice(best?.start, best?.end)).toBe('482 913');
  });

  it('leaves a prefix such as G- out of the code span', () => {
    const message = 'G-482913 is your Google verification code.';
    const [best] = extractOtp(message).candidates;
    expect(best).toMatchObject({ start: 2, end: 8 });
  });

  it('ranks candidates best first', () => {
    const { candidates } = extractOtp('Order #123456 is confirmed. Your code is 482913. Pay $12.50 by 2026-11-26.');
    const scores = candidates.map((candidate) => candidate.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(candidates.map((candidate) => candidate.code)).toContain('123456');
  });

  it('explains why the chosen code won', () => {
    const [best] = extractOtp('Your Acme verification code is: 482913').candidates;
    expect(best?.reasons).toEqual(
      expect.arrayContaining(["right after keyword 'verification code'", "follows ':'", 'typical length (6 digits)']),
    );
  });

  it('explains why an amount lost', () => {
    const result = extractOtp('Your code is 482913. Balance: 1200 USD');
    expect(result.candidates.find((candidate) => candidate.code === '1200')?.reasons).toContain('penalty: looks like an amount');
  });

  it.each([
    ['a phone number', 'Your code is 482913. Call 555-0100 now', '5550100', 'penalty: looks like a phone number'],
    ['a date', 'Your code is 482913, sent 2026-11-26', '20261126', 'penalty: looks like a date'],
    ['a reference', 'Your code is 482913. Order #5512', '5512', 'penalty: looks like a reference number'],
    ['a duration', 'Your code is 482913, valid 1440 minutes', '1440', 'penalty: looks like a duration'],
    ['a link', 'Your code is 482913, see https://x.example/9911', '9911', 'penalty: inside a URL'],
  ])('names the penalty of %s', (_kind, message, distractor, reason) => {
    const result = extractOtp(message);
    expect(result.code).toBe('482913');
    expect(result.candidates.find((candidate) => candidate.code === distractor)?.reasons).toContain(reason);
  });

  it('marks WebOTP and SMS Retriever signals in the reasons', () => {
    expect(extractOtp('@example.com #482913').candidates[0]?.reasons).toContain('WebOTP line');
    expect(extractOtp('<#> Your code is 482913\nFA+9qCX9VSu').candidates[0]?.reasons).toContain('SMS Retriever message');
  });

  it('never offers the SMS Retriever app hash, even when its length fits the bounds', () => {
    const result = extractOtp('<#> Your code is 482913\n9qCX9VSu1A2', { maxLength: 12 });
    expect(result.candidates.map((candidate) => candidate.code)).not.toContain('9qCX9VSu1A2');
  });

  it('ignores alphanumeric tokens in a message that never speaks of a code', () => {
    expect(extractOtp('Your booking K7X9QP is confirmed').candidates).toEqual([]);
  });

  it('ignores an alphanumeric token that reads like a word with a number in it', () => {
    expect(extractOtp('Your code works on iOS17 and MP3 players').candidates).toEqual([]);
  });
});

describe('extractOtp ambiguity', () => {
  it('flags two different codes that score alike, and keeps the earlier', () => {
    const result = extractOtp('Your code: 482913 (old code: 551234)');
    expect(result).toMatchObject({ code: '482913', ambiguous: true });
  });

  it('does not flag the same code repeated', () => {
    expect(extractOtp('Your code is 482913. Code: 482913').ambiguous).toBe(false);
  });

  it('does not flag a code with only weak rivals', () => {
    expect(extractOtp('Your code is 482913. Order #123456 ships on 2026-11-26.').ambiguous).toBe(false);
  });

  it('is false when no code was found', () => {
    expect(extractOtp('Your order #123456 has shipped').ambiguous).toBe(false);
  });
});

describe('extractOtp length bounds', () => {
  it('does not take a three-digit code by default', () => {
    expect(extractOtp('Your code is 123').code).toBeUndefined();
  });

  it('takes a three-digit code when minLength allows it', () => {
    expect(extractOtp('Your code is 123', { minLength: 3 }).code).toBe('123');
  });

  it('does not take a ten-digit code by default', () => {
    expect(extractOtp('Your code is 4829137512').code).toBeUndefined();
  });

  it('takes a ten-digit code when maxLength allows it', () => {
    expect(extractOtp('Your code is 4829137512', { maxLength: 10 }).code).toBe('4829137512');
  });

  it('skips a code shorter than minLength in favour of one that fits', () => {
    expect(extractOtp('Your PIN is 4821 and your code is 48291763', { minLength: 8 }).code).toBe('48291763');
  });
});

describe('extractOtp input bounds', () => {
  it('scans only the first 2000 characters', () => {
    expect(extractOtp(`${'x'.repeat(2000)} Your code is 482913`).code).toBeUndefined();
  });

  it('finds a code that ends right at the scanning limit', () => {
    const message = `Your code is 482913${' '.repeat(1981)}`;
    expect(extractOtp(`${message}more text`).code).toBe('482913');
  });

  it.each([
    ['digits and separators', '1-'.repeat(5000)],
    ['spaces between short numbers', '12 '.repeat(5000)],
    ['dots in one long word', `${'a.'.repeat(5000)}com`],
    ['a keyword repeated', 'code '.repeat(5000)],
    ['one long alphanumeric word', 'A1'.repeat(5000)],
    ['a long link', `https://x.example/${'9/'.repeat(5000)}`],
  ])('stays fast on hostile input: %s', (_shape, message) => {
    const started = performance.now();
    extractOtp(message);
    expect(performance.now() - started).toBeLessThan(200);
  });
});

describe('extractOtp with a custom pattern', () => {
  it('takes the named group code', () => {
    expect(extractOtp('Your code is 482913', { pattern: '(?<code>\\d{6})' }).code).toBe('482913');
  });

  it('overrides the heuristics entirely', () => {
    const result = extractOtp('Your code is 111111. Order #123456', { pattern: 'Order #(?<code>\\d+)' });
    expect(result.code).toBe('123456');
    expect(result.candidates.map((candidate) => candidate.code)).toEqual(['123456']);
  });

  it('returns every match as a candidate, in order, the first as the code', () => {
    const result = extractOtp('ID 2222 then ID 1111', { pattern: 'ID (?<code>\\d{4})' });
    expect(result.candidates.map((candidate) => candidate.code)).toEqual(['2222', '1111']);
    expect(result).toMatchObject({ code: '2222', ambiguous: true });
  });

  it('still applies the length bounds', () => {
    expect(extractOtp('12 123456', { pattern: '(?<code>\\d+)', minLength: 6 }).code).toBe('123456');
  });

  it('sees digits of any script as ASCII', () => {
    expect(extractOtp('رمز ٤٨٢٩١٣', { pattern: '(?<code>\\d{6})' }).code).toBe('482913');
  });

  it('removes spaces and hyphens from the captured code', () => {
    expect(extractOtp('code: 482-913 or 482 913', { pattern: 'code: (?<code>\\d{3}[ -]\\d{3})' }).code).toBe('482913');
  });

  it('points at the captured group in the original text', () => {
    const message = 'Código: ４８２９１３';
    const [best] = extractOtp(message, { pattern: ': (?<code>\\d+)' }).candidates;
    expect(message.slice(best?.start, best?.end)).toBe('４８２９１３');
  });

  it('finds nothing when the pattern does not match', () => {
    expect(extractOtp('Your code is 482913', { pattern: 'PIN (?<code>\\d+)' })).toEqual({ ambiguous: false, candidates: [] });
  });

  it('skips matches where an optional code group did not take part', () => {
    expect(extractOtp('x 482913', { pattern: 'y(?<code>\\d+)|x' }).candidates).toEqual([]);
  });
});

describe('compileCodePattern', () => {
  it('returns a global regular expression with match indices', () => {
    const pattern = compileCodePattern('(?<code>\\d{6})');
    expect(pattern.flags).toContain('g');
    expect(pattern.hasIndices).toBe(true);
    expect('abc 482913'.match(pattern)).toEqual(['482913']);
  });

  it('rejects an invalid regular expression, keeping the syntax error as its cause', () => {
    const attempt = (): RegExp => compileCodePattern('(?<code>\\d{6}');
    expect(attempt).toThrow(InvalidCodePatternError);
    expect(attempt).toThrow(/not a valid regular expression/);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });

  it('rejects a pattern without a named group', () => {
    expect(() => compileCodePattern('\\d{6}')).toThrow(/no named group "code"/);
  });

  it('rejects a pattern whose named group is not called code', () => {
    expect(() => compileCodePattern('(?<otp>\\d{6})')).toThrow(InvalidCodePatternError);
  });

  it('rejects what only loose, non-Unicode syntax would accept', () => {
    expect(() => compileCodePattern('(?<code>\\d{6})\\-')).toThrow(InvalidCodePatternError);
  });

  it('is what extractOtp throws for a bad pattern', () => {
    expect(() => extractOtp('Your code is 482913', { pattern: '(' })).toThrow(InvalidCodePatternError);
  });

  it('names itself in stack traces', () => {
    expect(() => compileCodePattern('x')).toThrow(expect.objectContaining({ name: 'InvalidCodePatternError' }));
  });
});
