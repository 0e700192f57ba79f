// Twilio's request signature (X-Twilio-Signature): base64 HMAC-SHA1, keyed by the account's auth token,
// over the full URL Twilio called followed by every POST parameter as name+value in sorted name order.
// Used both to sign (the sandbox pushes Twilio-format webhooks) and to verify (the webhook inbox).

import { createHmac, timingSafeEqual } from 'node:crypto';

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
 * Constant-time check of a received signature. Twilio signs the URL as it was configured; proxies may
 * add or strip the default port, so both forms are accepted, as twilio-node does.
 */
export function isValidTwilioSignature(authToken: string, url: string, params: TwilioParams, signature: string): boolean {
  const received = Buffer.from(signature, 'utf8');
  return urlVariants(url).some((variant) => {
    const expected = Buffer.from(twilioSignature(authToken, variant, params), 'utf8');
    return expected.length === received.length && timingSafeEqual(expected, received);
  });
}

function urlVariants(url: string): string[] {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const withoutPort = new URL(url);
  withoutPort.port = '';
  const variants = new Set([url, withoutPort.toString()]);
  if (defaultPort && (parsed.port === '' || parsed.port === defaultPort)) {
    variants.add(`${parsed.protocol}//${parsed.username ? `${parsed.username}:${parsed.password}@` : ''}${parsed.hostname}:${defaultPort}${parsed.pathname}${parsed.search}`);
  }
  return [...variants];
}
