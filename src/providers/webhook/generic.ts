// The generic JSON format, for SMS gateways such as Android apps forwarding what a real SIM receives:
//   POST /webhooks/generic   Content-Type: application/json
//   X-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed by the shared secret>
//   { "to": "+15555550100", "from": "ACME", "body" | "message" | "text": "Your code is 482913",
//     "id": "optional, de-duplicates retries", "receivedAt": "optional ISO 8601" }

import { createHmac, randomUUID } from 'node:crypto';
import type { ArrivingSms } from './inbox.js';
import { hexSignatureMatches, MalformedInboundError, parseJsonObject, requireE164 } from './format.js';

export const GENERIC_SIGNATURE_HEADER = 'x-signature';

/** The X-Signature value for a raw body: `sha256=<hex>`. */
export function genericSignature(secret: string, rawBody: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** Constant-time check of X-Signature over the body bytes exactly as received. */
export function isValidGenericSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  return header !== undefined && hexSignatureMatches(genericSignature(secret, rawBody), header);
}

const TEXT_FIELDS = ['body', 'message', 'text'] as const;

/** The SMS a generic request carries. Throws MalformedInboundError naming the offending field. */
export function parseGenericInbound(rawBody: string): ArrivingSms {
  const fields = parseJsonObject(rawBody);

  const textField = TEXT_FIELDS.find((name) => fields[name] !== undefined);
  const body = textField === undefined ? undefined : fields[textField];
  if (typeof body !== 'string') throw new MalformedInboundError(`${textField ?? 'body'} is ${textField ? 'not a string' : 'missing (body, message or text)'}`);

  const { id, from, receivedAt } = fields;
  if (id !== undefined && (typeof id !== 'string' || id === '') && typeof id !== 'number') throw new MalformedInboundError('id is not a string');
  if (from !== undefined && typeof from !== 'string') throw new MalformedInboundError('from is not a string');
  let providerReceivedAt: Date | undefined;
  if (receivedAt !== undefined) {
    providerReceivedAt = typeof receivedAt === 'string' ? new Date(receivedAt) : undefined;
    if (providerReceivedAt === undefined || Number.isNaN(providerReceivedAt.getTime())) throw new MalformedInboundError('receivedAt is not an ISO 8601 date');
  }

  return {
    // Without an id a gateway's retry cannot be told from a second SMS with the same text (an OTP
    // service may legitimately resend the same code), so each request counts as a new message.
    id: id === undefined ? `generic-${randomUUID()}` : String(id),
    to: requireE164(fields.to, 'to'),
    body,
    ...(typeof from === 'string' && from !== '' ? { from } : {}),
    ...(providerReceivedAt ? { providerReceivedAt } : {}),
  };
}
