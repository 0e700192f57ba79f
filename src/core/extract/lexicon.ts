// The words around a number that say what it is. Every pattern here is a flat alternation or is only
// ever run on a short, bounded slice of text, so none can backtrack catastrophically on hostile input.
// The word lists are packed by hand, a language or a kind per line, so the formatter leaves them be.

const alternation = (words: readonly string[]): string => words.join('|');

/** Words that announce a one-time code, in scripts that separate words with spaces. Longest first. */
// prettier-ignore
const SPACED_CODE_WORDS = [
  // English
  'verification code', 'confirmation code', 'security code', 'log[- ]?in code', 'sign[- ]?in code',
  'access code', 'authentication code', 'auth code', '2fa code', 'one[- ]time (?:pass)?code',
  'one[- ]time pass(?:word|code)', 'one[- ]time pin', 'passcode', 'otp', 'pin(?: code)?', 'codes?',
  'password', 'verification',
  // Spanish, Portuguese
  'c[oó]digo(?: de (?:verificaci[oó]n|verifica[cç][aã]o|seguridad|seguran[cç]a|acceso|acesso|confirmaci[oó]n|confirma[cç][aã]o))?',
  'clave', 'contrase[nñ]a', 'senha',
  // French
  'code de (?:v[ée]rification|s[ée]curit[ée]|confirmation|connexion)', 'mot de passe',
  // German
  '(?:best[aä]tigungs|sicherheits|verifizierungs|anmelde|zugangs|freigabe|einmal)code', 'einmalpasswort',
  'kennwort', 'm?tan',
  // Italian
  'codice(?: di (?:verifica|sicurezza|accesso|conferma))?',
  // Dutch, Scandinavian
  '(?:verificatie|beveiligings|bevestigings)code', '(?:verifierings|bekr[aä]ftelse|eng[aå]ngs)kode?',
  // Polish, Turkish, Indonesian, Malay
  'kod(?:u|em|unuz|e)?(?: (?:weryfikacyjny|jednorazowy|verifikasi|otp))?', 'do[gğ]rulama kodu(?:nuz)?',
  'tek kullan[iı]ml[iı]k [sş]ifre', '[sş]ifre(?:niz)?',
  // Vietnamese
  'm[aã] (?:x[aá]c (?:th[uự]c|minh)|otp)',
  // Russian, Ukrainian
  'код(?:а|ом|у)?(?: (?:подтверждения|доступа|верификации|проверки|підтвердження))?', 'одноразов\\p{L}* парол\\p{L}*',
  'парол(?:ь|я|ем)',
  // Greek
  'κωδικ[οό]ς?',
] as const;

/** The same for scripts written without spaces between words (or that glue particles onto them). */
// prettier-ignore
const UNSPACED_CODE_WORDS = [
  // Chinese
  '验证码', '驗證碼', '校验码', '校驗碼', '确认码', '確認碼', '认证码', '認證碼', '动态码', '動態碼', '动态密码',
  '動態密碼', '安全码', '安全碼', '密码', '密碼',
  // Japanese
  '認証コード', '確認コード', '認証番号', '確認番号', 'ワンタイムパスワード', 'セキュリティコード', 'パスコード', '暗証番号',
  'コード',
  // Korean
  '인증\\s?번호', '인증\\s?코드', '확인\\s?코드', '보안\\s?코드', '승인\\s?번호', '코드',
  // Hindi
  'ओटीपी', 'सत्यापन कोड', 'कोड', 'पासवर्ड',
  // Arabic
  'رمز التحقق', 'رمز', 'كود', 'كلمة المرور',
  // Persian, Thai, Hebrew
  'کد تأیید', 'کد', 'รหัส', 'קוד',
] as const;

/** "X code" phrases that name something other than a one-time code. */
// prettier-ignore
const NOT_CODE_PHRASES = [
  '(?:zip|postal|post|area|country|sort|promo(?:tional)?|discount|coupon|voucher|gift|referral|invite|invitation|error|status|reason|tracking|product|qr|bar|dial(?:ing)?) ?-?codes?',
  'postcode', 'barcode',
] as const;

const WORD_START = '(?<![\\p{L}\\p{M}\\p{N}])';
const WORD_END = '(?![\\p{L}\\p{M}\\p{N}])';

/** Matches a code word (`code` group) or a phrase that only looks like one (`notCode` group). */
export const KEYWORD = new RegExp(
  `${WORD_START}(?:(?<notCode>${alternation(NOT_CODE_PHRASES)})|(?<code>${alternation(SPACED_CODE_WORDS)}))${WORD_END}` +
    `|(?<scriptCode>${alternation(UNSPACED_CODE_WORDS)})`,
  'giu',
);

/** What may stand between a keyword and its code: punctuation, brackets and the verb "is". */
export const CONNECTORS_ONLY = new RegExp(
  `^(?:[\\s:=\\-.,'"“”‘’«»()\\[\\]{}【】「」『』<>*#]|${WORD_START}(?:is|es|est|ist|lautet|è|é|är|er|jest|será|sera|равен|هو|है)${WORD_END}|是|为|為|は|が|는|은|이|가|：)*$`,
  'iu',
);

/** The text just before a code ends with "is" or a colon. */
export const ENDS_WITH_IS_OR_COLON = new RegExp(
  `(?:[:：=]|${WORD_START}(?:is|es|est|ist|lautet|è|é|är|er|jest|será|sera|равен|هو)|是|为|為|は|는|은)[\\s\\[(【「]*$`,
  'iu',
);

/** A sentence boundary inside a gap. */
export const SENTENCE_BREAK = /[.!?。！？](?:\s|$)|\n/u;

// prettier-ignore
const MONTHS = alternation([
  'jan(?:uary)?', 'feb(?:ruary)?', 'mar(?:ch)?', 'apr(?:il)?', 'may', 'june?', 'july?', 'aug(?:ust)?',
  'sep(?:t(?:ember)?)?', 'oct(?:ober)?', 'nov(?:ember)?', 'dec(?:ember)?', 'enero', 'febrero', 'marzo', 'abril',
  'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre', 'janvier', 'f[ée]vrier',
  'mars', 'avril', 'mai', 'juin', 'juillet', 'ao[uû]t', 'septembre', 'octobre', 'novembre', 'd[ée]cembre',
  'januar', 'februar', 'm[aä]rz', 'juni', 'juli', 'oktober', 'dezember', 'января', 'февраля', 'марта',
  'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря',
]);

/** A month name (and maybe a day) right before a number: `Nov 26, ` before `2026`. */
export const MONTH_BEFORE = new RegExp(`${WORD_START}(?:${MONTHS})\\.?\\s*(?:\\d{1,2}(?:st|nd|rd|th)?,?\\s*)?$`, 'iu');
/** A month name right after a number: `26 Nov`. */
export const MONTH_AFTER = new RegExp(`^\\s*(?:of\\s+|de\\s+)?(?:${MONTHS})${WORD_END}`, 'iu');
/** Date words around a year in CJK: `2026年`. */
export const YEAR_SUFFIX = /^\s*(?:年|년)/u;

// prettier-ignore
const CURRENCY_CODES = alternation([
  'usd', 'eur', 'gbp', 'inr', 'rs\\.?', 'rub', 'jpy', 'cny', 'rmb', 'krw', 'try', 'brl', 'mxn', 'aud', 'cad',
  'chf', 'sgd', 'hkd', 'aed', 'sar', 'zar', 'ngn', 'egp', 'pln', 'sek', 'nok', 'dkk', 'idr', 'php', 'vnd',
  'thb', 'myr', 'kes', 'руб\\.?', 'грн',
]);
// prettier-ignore
const CURRENCY_WORDS_AFTER = alternation([
  CURRENCY_CODES, 'dollars?', 'euros?', 'pounds?', 'rupees?', 'reais', 'pesos?', 'yuan', 'yen', 'won', 'lira',
  'рубл\\p{L}*', 'ريال', 'درهم', 'جنيه', '元', '円', '원', '圆', '块',
]);

/** A currency sign or code right before a number: `$`, `€ `, `INR `, `Rs.`. */
export const CURRENCY_BEFORE = new RegExp(`(?:[$€£¥₹₽₩₺₱₦₫฿¢]|${WORD_START}(?:${CURRENCY_CODES}))\\s*$`, 'iu');
/** A currency right after a number: ` USD`, `€`, `元`. */
export const CURRENCY_AFTER = new RegExp(`^\\s*(?:[$€£¥₹₽₩₺₱₦₫฿¢]|(?:${CURRENCY_WORDS_AFTER})${WORD_END})`, 'iu');

/** A unit of time right after a number: ` minutes`, `分钟`, ` мин`. */
// prettier-ignore
export const DURATION_AFTER = new RegExp(
  `^\\s*(?:${alternation([
    'min(?:ute)?s?', 'sec(?:ond)?s?', 'hours?', 'hrs?', 'h', 'days?', 'weeks?', 'minutos?', 'segundos?', 'horas?',
    'd[ií]as?', 'minuten?', 'sekunden?', 'stunden?', 'tage?n?', 'minuti', 'secondi', 'ore', 'giorni', 'jours?',
    'heures?', 'секунд\\p{L}*', 'минут\\p{L}*', 'мин', 'час\\p{L}*', 'дн\\p{L}*', 'dakika', 'saniye', 'saat',
    'g[uü]n', 'menit', 'detik', 'jam', 'मिनट', 'सेकंड', 'घंटे', 'دقائق', 'دقيقة', 'ثانية', 'ساعة',
  ])})${WORD_END}|^\\s*(?:分钟|分鐘|分間|分|秒|小时|小時|時間|天|日|분|초|시간|일)`,
  'iu',
);

export const PERCENT_AFTER = /^\s*(?:%|٪|percent|per cent|pct)/iu;

/** Words that introduce an identifier which is not a code: `Order #`, `ref`, `card ending in`. */
// prettier-ignore
export const REFERENCE_BEFORE = new RegExp(
  `${WORD_START}(?:${alternation([
    'order', 'ref(?:erence)?', 'ticket', 'account', 'acct', 'a/c', 'invoice', 'inv', 'transaction', 'txn', 'trx',
    'tracking', 'case', 'booking', 'reservation', 'confirmation', 'member(?:ship)?', 'customer', 'client',
    'policy', 'claim', 'request', 'shipment', 'parcel', 'package', 'card', 'flight', 'room', 'serial', 'pnr',
    'pedido', 'reserva', 'n[uú]mero', 'commande', 'r[ée]f[ée]rence', 'facture', 'bestellung', 'bestellnummer',
    'rechnung', 'konto', 'ordine', 'fattura', 'заказ\\p{L}*', 'сч[её]т\\p{L}*', 'номер', 'sipari[sş]\\p{L}*',
    'hesap', 'fatura', '订单(?:号)?', '訂單(?:號)?', '注文(?:番号)?', '주문(?:번호)?', 'طلب',
  ])})(?:\\s*(?:number|no\\.?|nr\\.?|num\\.?|id|n[°º]|ending(?:\\s+in)?|ends\\s+in|[#:.\\-]))*\\s*$`,
  'iu',
);

/** Words that introduce a phone number: `call us at`, `Tel:`. */
// prettier-ignore
export const PHONE_BEFORE = new RegExp(
  `${WORD_START}(?:call|phone|tel|telephone|fax|hotline|helpline|contact|llame|ligue|appelez|anrufen|chiama|звоните|позвоните|телефон)` +
    `(?:\\s+(?:us|me|now))?(?:\\s+(?:at|on|to|number|al|au|unter|al numero))?\\s*[:.]?\\s*$`,
  'iu',
);

/** One to four capital letters and a hyphen right before a number: `G-`, `FB-`. */
export const PREFIX_BEFORE = /(?:^|[^A-Za-z0-9])([A-Z]{1,4})-$/;
