// What a message says about itself, found once per message before any number is looked at: where
// its code words are, which parts are links, and whether it carries a machine-readable code line.

import { KEYWORD } from './lexicon.js';

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface KeywordHit extends Span {
  /** As written in the message, lower-cased. */
  readonly word: string;
  /** False for phrases such as "promo code" that name something other than a one-time code. */
  readonly announcesCode: boolean;
}

export interface MessageContext {
  readonly text: string;
  readonly keywords: readonly KeywordHit[];
  readonly links: readonly (Span & { readonly kind: 'URL' | 'email address' })[];
  /** The code of an origin-bound last line: `@example.com #482913`. */
  readonly webOtpCode?: Span;
  /** The app hash ending an Android SMS Retriever message (`<#> … FA+9qCX9VSu`); never the code. */
  readonly retrieverHash?: Span;
}

// The last line of an origin-bound one-time code message: `@top.example #code`, optionally followed by
// the embedded origin (`@`, or `%` / `$` in some senders' variants).
const WEB_OTP_LINE = /^@[^\s#@]+ #([A-Za-z0-9]+)(?: [@$%][^\s]+)?[ \t]*$/;
const RETRIEVER_START = /^\s*<#>/;
/** Whitespace, then the 11-character app hash that ends the message. */
const RETRIEVER_HASH = /^\s[A-Za-z0-9+/]{11}$/;
const RETRIEVER_HASH_LENGTH = 11;
const SCHEME_CHAR = /[A-Za-z0-9+.-]/;
const HOST_WITH_PATH = /^[^\s/@]+\.[A-Za-z]{2,}\//;
const EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}/;
const ORIGIN = /^@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;

function findKeywords(text: string): KeywordHit[] {
  const hits: KeywordHit[] = [];
  for (const match of text.matchAll(KEYWORD)) {
    hits.push({
      start: match.index,
      end: match.index + match[0].length,
      word: match[0].toLowerCase(),
      announcesCode: match.groups?.['notCode'] === undefined,
    });
  }
  return hits;
}

function findLinks(text: string): MessageContext['links'] {
  const links: (Span & { kind: 'URL' | 'email address' })[] = [];
  for (const chunk of text.matchAll(/\S+/g)) {
    const word = chunk[0];
    const start = chunk.index;
    const schemeEnd = word.indexOf('://');
    if (schemeEnd > 0) {
      let schemeStart = schemeEnd;
      while (schemeStart > 0 && SCHEME_CHAR.test(word[schemeStart - 1] ?? '')) schemeStart -= 1;
      links.push({ start: start + schemeStart, end: start + word.length, kind: 'URL' });
    } else if (word.startsWith('www.') || HOST_WITH_PATH.test(word) || ORIGIN.test(word)) {
      links.push({ start, end: start + word.length, kind: 'URL' });
    } else if (EMAIL.test(word)) links.push({ start, end: start + word.length, kind: 'email address' });
  }
  return links;
}

function findWebOtpCode(text: string): Span | undefined {
  const body = text.trimEnd();
  const lineStart = body.lastIndexOf('\n') + 1;
  const match = WEB_OTP_LINE.exec(body.slice(lineStart));
  const code = match?.[1];
  if (match === null || code === undefined) return undefined;
  const start = lineStart + match[0].indexOf(` #${code}`) + 2;
  return { start, end: start + code.length };
}

function findRetrieverHash(text: string): Span | undefined {
  if (!RETRIEVER_START.test(text)) return undefined;
  const end = text.trimEnd().length;
  if (!RETRIEVER_HASH.test(text.slice(Math.max(0, end - RETRIEVER_HASH_LENGTH - 1), end))) return undefined;
  return { start: end - RETRIEVER_HASH_LENGTH, end };
}

export function readContext(text: string): MessageContext {
  const webOtpCode = findWebOtpCode(text);
  const retrieverHash = findRetrieverHash(text);
  return {
    text,
    keywords: findKeywords(text),
    links: findLinks(text),
    ...(webOtpCode === undefined ? {} : { webOtpCode }),
    ...(retrieverHash === undefined ? {} : { retrieverHash }),
  };
}
