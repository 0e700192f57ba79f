// Vonage's inbound-SMS webhook (SMS API, a virtual number's inbound webhook): msisdn (the sender), to
// (our number), text, messageId, type, keyword, message-timestamp, api-key, and when signing is on
// timestamp, nonce and sig. Numbers come in E.164 without the `+`. Vonage sends the parameters as a GET
// query, a form POST or a JSON POST, depending on the account's webhook setting; all three arrive here
// as one flat map of strings, which is also what the signature covers.

import type { ArrivingSms } from '../webhook/inbox.js';
import { MalformedInboundError, parseJsonObject, requireE164 } from '../webhook/format.js';

export type VonageParams = Record<string, string>;

/** Query or form parameters; a repeated name is malformed (the signature could not cover it). */
export function vonageParamsFromSearch(search: URLSearchParams): VonageParams {
  const params: VonageParams = {};
  for (const [name, value] of search) {
    if (Object.hasOwn(params, name)) throw new MalformedInboundError(`${name} is repeated`);
    params[name] = value;
  }
  return params;
}

/** A JSON body: an object whose values are strings (numbers and booleans are taken as their text). */
export function vonageParamsFromJson(rawBody: string): VonageParams {
  const params: VonageParams = {};
  for (const [name, value] of Object.entries(parseJsonObject(rawBody))) {
    if (typeof value === 'string') params[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') params[name] = String(value);
    else if (value !== null) throw new MalformedInboundError(`${name} is not a string`);
  }
  return params;
}

/** The SMS the parameters carry. Throws MalformedInboundError naming the missing or bad field. */
export function parseVonageInbound(params: Readonly<VonageParams>): ArrivingSms {
  const { messageId, text, msisdn } = params;
  if (!messageId) throw new MalformedInboundError('messageId is missing');
  if (text === undefined) throw new MalformedInboundError('text is missing');
  const to = params.to === undefined || params.to === '' ? undefined : withPlus(params.to);
  const providerReceivedAt = receivedAt(params);
  return {
    id: messageId,
    to: requireE164(to, 'to'),
    body: text,
    ...(msisdn && { from: /^\d+$/.test(msisdn) ? `+${msisdn}` : msisdn }),
    ...(providerReceivedAt && { providerReceivedAt }),
  };
}

function withPlus(number: string): string {
  return number.startsWith('+') ? number : `+${number}`;
}

/**
 * Vonage's own time: `timestamp` (unix seconds, sent with signed messages), else `message-timestamp`
 * (`2020-01-01 12:00:00`, UTC).
 */
function receivedAt(params: Readonly<VonageParams>): Date | undefined {
  const { timestamp } = params;
  if (timestamp !== undefined) {
    if (!/^\d{1,12}$/.test(timestamp)) throw new MalformedInboundError('timestamp is not unix seconds');
    return new Date(Number(timestamp) * 1000);
  }
  const stamp = params['message-timestamp'];
  if (stamp === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(stamp.trim());
  const date = match ? new Date(`${match[1]}T${match[2]}Z`) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) throw new MalformedInboundError('message-timestamp is not "YYYY-MM-DD HH:MM:SS"');
  return date;
}
