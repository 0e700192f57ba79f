// Twilio's inbound-SMS webhook: an application/x-www-form-urlencoded POST to the number's SmsUrl with
// MessageSid, From, To, Body and more (Twilio adds parameters without notice, so the signature is
// always checked over every parameter received, never over a list of known ones).

import type { ArrivingSms } from '../webhook/inbox.js';
import { MalformedInboundError, requireE164 } from '../webhook/format.js';

/** Every form parameter; a repeated name keeps all its values, as Twilio's signature needs them. */
export function parseTwilioForm(formBody: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(formBody)) {
    const seen = params[name];
    params[name] = seen === undefined ? value : [seen, value].flat();
  }
  return params;
}

/** The SMS an inbound webhook carries. Throws MalformedInboundError naming the missing field. */
export function parseTwilioInbound(formBody: string): ArrivingSms {
  const params = parseTwilioForm(formBody);
  const single = (name: string): string | undefined => {
    const value = params[name];
    if (Array.isArray(value)) throw new MalformedInboundError(`${name} is repeated`);
    return value;
  };
  const id = single('MessageSid') ?? single('SmsSid');
  if (!id) throw new MalformedInboundError('MessageSid is missing');
  const body = single('Body');
  if (body === undefined) throw new MalformedInboundError('Body is missing');
  const from = single('From');
  return { id, to: requireE164(single('To'), 'To'), body, ...(from ? { from } : {}) };
}
