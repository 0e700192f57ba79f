// Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1, keyed by the account's auth token,
// over the full URL Twilio called followed by every POST parameter as name+value in sorted name order.
// Used both to sign (the sandbox pushes Twilio-format webhooks) and to verify (the webhook inbox).

import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';

export type TwilioParams = Readonly<Record<string, string | readonly string[]>>;

export function twilioSignature(authToken: string, url: string, params: TwilioParams): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name]!;
    const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/**
 * Constant-time check of a received signature. Twilio signs the URL as it was configured, but its
 * back ends are not consistent about the default port or the escaping of the query, and proxies add
 * or strip the port; so the same URL variants twilio-node accepts are accepted here.
 */
export function isValidTwilioSignature(authToken: string, url: string, params: TwilioParams, signature: string): boolean {
  const received = Buffer.from(signature, 'utf8');
  return urlVariants(url).some((variant) => {
    const expected = Buffer.from(twilioSignature(authToken, variant, params), 'utf8');
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
}

/**
 * The URL exactly as received (with and without the default port) first; then, for back ends that
 * signed an escaped form, the WHATWG-normalised URL and its legacy-querystring re-encoding.
 * String surgery rather than `new URL()` for the first pair, because normalising would change the
 * very characters Twilio signed (e.g. `'` → `%27`, non-ASCII query values).
 */
function urlVariants(url: string): string[] {
  const variants = [withoutPort(url), withDefaultPort(url)];
  const normalized = URL.canParse(url) ? new URL(url).toString() : undefined;
  if (normalized !== undefined) {
    for (const candidate of [withoutPort(normalized), withDefaultPort(normalized)]) {
      variants.push(candidate, withLegacyQuery(candidate));
    }
  }
  return [...new Set(variants)];
}

interface UrlParts {
  readonly scheme: string;
  readonly userInfo: string;
  readonly host: string;
  readonly port: string;
  readonly rest: string;
}

function splitUrl(url: string): UrlParts | undefined {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return undefined;
  const [prefix, scheme, authority] = match as unknown as [string, string, string];
  const userInfoEnd = authority.lastIndexOf('@');
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // In an IPv6 literal the port's colon comes after the closing bracket.
  const portStart = hostAndPort.indexOf(':', hostAndPort.lastIndexOf(']') + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? '' : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function withoutPort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

function withDefaultPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === 'https://' ? ':443' : ':80';
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function withLegacyQuery(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  return `${url.slice(0, queryStart)}?${stringifyLegacyQuery(parseLegacyQuery(url.slice(queryStart + 1)))}`;
}
