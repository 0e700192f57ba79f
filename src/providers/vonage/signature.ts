// Vonage's signed inbound SMS: the request carries `sig`, a hash over every other parameter.
//   1. take all parameters but `sig`, sorted by name;
//   2. concatenate `&<name>=<value>` for each, with `&` and `=` in values replaced by `_`;
//   3. md5hash: hex MD5 of that string followed by the signature secret;
//      md5, sha1, sha256, sha512: hex HMAC of that string keyed by the signature secret.
// Vonage's SDKs compare case-insensitively (its md5hash is lower-case hex, its HMACs upper-case).
// The signed `timestamp` and `nonce` make each signature unique to its message.

import { createHash, createHmac } from 'node:crypto';
import { hexSignatureMatches } from '../webhook/format.js';

export const VONAGE_SIGNATURE_METHODS = ['md5hash', 'md5', 'sha1', 'sha256', 'sha512'] as const;
export type VonageSignatureMethod = (typeof VONAGE_SIGNATURE_METHODS)[number];

export const VONAGE_SIGNATURE_PARAM = 'sig';

/** The string Vonage signs: `&name=value` for every parameter but `sig`, sorted by name. */
export function vonageStringToSign(params: Readonly<Record<string, string>>): string {
  return Object.keys(params)
    .filter((name) => name !== VONAGE_SIGNATURE_PARAM)
    .sort()
    .map((name) => `&${name}=${params[name]!.replace(/[&=]/g, '_')}`)
    .join('');
}

/** The `sig` value for these parameters, in lower-case hex. */
export function vonageSignature(params: Readonly<Record<string, string>>, secret: string, method: VonageSignatureMethod): string {
  const signed = vonageStringToSign(params);
  if (method === 'md5hash') return createHash('md5').update(signed + secret, 'utf8').digest('hex');
  return createHmac(method, secret).update(signed, 'utf8').digest('hex');
}

/** Constant-time, case-insensitive check of the request's own `sig` parameter. */
export function isValidVonageSignature(params: Readonly<Record<string, string>>, secret: string, method: VonageSignatureMethod): boolean {
  const received = params[VONAGE_SIGNATURE_PARAM];
  return received !== undefined && hexSignatureMatches(vonageSignature(params, secret, method), received);
}
