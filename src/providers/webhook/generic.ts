// The generic JSON format, for SMS gateways such as Android apps forwarding what a real SIM receives:
//   POST /webhooks/generic   Content-Type: application/json
//   X-Signature: sha256=<hex HMAC-SHA256 keyed by the shared secret>, of the raw body, or, when
//   X-Signature-Timestamp: <unix seconds> is sent, of `<timestamp>.<raw body>` (the age is then checked)
//   { "to": "+15555550100", "from": "ACME", "body" | "message" | "text": "Your code is 482913",
//     "id": "optional, names the message for de-duplication", "receivedAt": "optional ISO 8601" }

import { createHmac } from 'node:crypto';
import type { ArrivingSms } from './inbox.js';
import { hexSignatureMatches, MalformedInboundError, parseJsonObject, requireE164 } from './format.js';

export const GENERIC_SIGNATURE_HEADER = 'x-signature';
export const GENERIC_TIMESTAMP_HEADER = 'x-signature-timestamp';
export const DEFAULT_GENERIC_TIMESTAMP_TOLERANCE_MS = 5 * 60_000;

/** What X-Signature covers: the body, prefixed with the signed timestamp when there is one. */
export function genericSignedContent(rawBody: Buffer | string, timestamp?: string): Buffer {
  const body = Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, 'utf8');
  return timestamp === undefined ? body : Buffer.concat([Buffer.from(`${timestamp}.`, 'utf8'), body]);
}

/** The X-Signature value for a raw body (and its X-Signature-Timestamp, if sent): `sha256=<hex>`. */
export function genericSignature(secret: string, rawBody: Buffer | string, timestamp?: string): string {
  return `sha256=${createHmac('sha256', secret).update(genericSignedContent(rawBody, timestamp)).digest('hex')}`;
}

/** Constant-time check of X-Signature over the body bytes exactly as received (and the timestamp). */
export function isValidGenericSignature(secret: string, rawBody: Buffer, header: string | undefined, timestamp?: string): boolean {
  return header !== undefined && hexSignatureMatches(genericSignature(secret, rawBody, timestamp), header);
}

/** X-Signature-Timestamp as epoch milliseconds; MalformedInboundError when it is not unix seconds. */
export function parseGenericTimestamp(header: string): number {
  if (!/^\d{1,12}$/.test(header)) throw new MalformedInboundError('X-Signature-Timestamp is not unix seconds');
  return Number(header) * 1000;
}

const TEXT_FIELDS = ['body', 'message', 'text'] as const;

/**
 * The SMS a generic request carries; `idWithoutOne` names a message that has no `id` (the handler
 * derives it from the signed content, so an identical request is the same message). Throws
 * MalformedInboundError naming the offending field.
 */
export function parseGenericInbound(rawBody: string, idWithoutOne: () => string): ArrivingSms {
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
    id: id === undefined ? idWithoutOne() : String(id),
    to: requireE164(fields.to, 'to'),
    body,
    ...(typeof from === 'string' && from !== '' ? { from } : {}),
    ...(providerReceivedAt ? { providerReceivedAt } : {}),
  };
}
