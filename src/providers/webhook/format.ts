// What every inbound-SMS webhook format must give us, checked the same way for each.

import { timingSafeEqual } from 'node:crypto';

/** The request is not a well-formed inbound SMS; the message names the field. Answered with 400. */
export class MalformedInboundError extends Error {
  override readonly name = 'MalformedInboundError';
}

const E164 = /^\+[1-9]\d{6,14}$/;

/** The destination must be an E.164 number: it is the key runs wait on. */
export function requireE164(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new MalformedInboundError(`${field} is missing`);
  if (!E164.test(value)) throw new MalformedInboundError(`${field} is not an E.164 number`);
  return value;
}

/** A JSON body that must be an object: its fields, or MalformedInboundError saying why not. */
export function parseJsonObject(rawBody: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch (error) {
    throw new MalformedInboundError('the body is not valid JSON', { cause: error });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new MalformedInboundError('the body is not a JSON object');
  return json as Record<string, unknown>;
}

/** Constant-time comparison of a received hex signature with the expected lower-case one, ignoring case. */
export function hexSignatureMatches(expectedLowerHex: string, received: string): boolean {
  const expected = Buffer.from(expectedLowerHex, 'utf8');
  const given = Buffer.from(received.trim().toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
