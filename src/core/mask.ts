// Codes, credentials and full phone numbers never leave otp-canary in clear. These are the only
// functions that turn them into something printable.

const DOT = '•';

/** `+15555550100` → `+1555•••0100`: country code and area kept for triage, the middle hidden. */
export function maskNumber(number: string): string {
  const digits = number.replace(/[^\d]/g, '');
  if (digits.length < 8) return `${number.startsWith('+') ? '+' : ''}${DOT.repeat(Math.max(digits.length, 3))}`;
  return `+${digits.slice(0, 4)}${DOT.repeat(3)}${digits.slice(-4)}`;
}

/** Below this length a code shows no character at all: two digits of six would leave 10⁴ guesses. */
const CODE_LENGTH_SHOWING_A_PREFIX = 8;

/**
 * `482913` → `••••••`: a short code shows its length only. A code of 8 characters or more keeps its first
 * two, enough for a human to match it against a phone screen while leaving at least 6 hidden.
 */
export function maskCode(code: string): string {
  const chars = Array.from(code); // by code point: a digit outside the BMP is one character
  if (chars.length < CODE_LENGTH_SHOWING_A_PREFIX) return DOT.repeat(chars.length);
  return chars.slice(0, 2).join('') + DOT.repeat(chars.length - 2);
}

/** Replaces every occurrence of each secret in `text` by its masked form. */
export function redact(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 3) continue;
    out = out.split(secret).join(DOT.repeat(4));
  }
  return out;
}

/**
 * Text whose words we do not control (a far side's message, an error and its causes, a stack), made
 * printable: each of `secrets` hidden, then what such text can quote without our knowing the value —
 * URL credentials and query values (`?api_key=…`), and any run of six or more digits, whatever its
 * separators (a number in a national format, a code not yet extracted). Dotted IPv4 addresses stay.
 */
export function scrub(text: string, secrets: Iterable<string> = []): string {
  return redact(text, secrets)
    .replace(/\b([a-z][a-z\d+.-]*:\/\/)[^\s/?#@]+@/gi, `$1${DOT.repeat(4)}@`)
    .replace(/([?&][^\s=&#?]+=)[^\s&#"'<>]+/g, `$1${DOT.repeat(4)}`)
    .replace(/\+?\d[\d ().-]*\d/g, (run) => (run.replace(/\D/g, '').length >= 6 && !IPV4.test(run) ? DOT.repeat(4) : run));
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
