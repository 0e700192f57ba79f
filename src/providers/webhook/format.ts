// What every inbound-SMS webhook format must give us, checked the same way for each.

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
