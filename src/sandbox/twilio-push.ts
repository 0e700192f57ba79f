// Outgoing form POSTs in Twilio's formats: the inbound-SMS webhook a number's SmsUrl receives, and the
// message status callback a StatusCallback URL receives. Both are signed with X-Twilio-Signature when
// an auth token is known, exactly as Twilio signs them.

import { request } from 'undici';
import { twilioSignature } from '../providers/twilio/signature.js';

const API_VERSION = '2010-04-01';
/** An answer slower than this counts as a failed push. */
const PUSH_TIMEOUT_MS = 5_000;

export interface TwilioMessage {
  readonly sid: string;
  readonly accountSid: string;
  readonly from: string;
  readonly to: string;
}

export function inboundSmsParams(message: TwilioMessage, body: string): Record<string, string> {
  return {
    ...commonParams(message),
    SmsMessageSid: message.sid,
    SmsStatus: 'received',
    Body: body,
    NumMedia: '0',
    NumSegments: String(segmentCount(body)),
  };
}

export function statusCallbackParams(message: TwilioMessage, status: string, errorCode?: string): Record<string, string> {
  return {
    ...commonParams(message),
    MessageStatus: status,
    SmsStatus: status,
    ...(errorCode !== undefined && { ErrorCode: errorCode }),
  };
}

function commonParams(message: TwilioMessage): Record<string, string> {
  return { MessageSid: message.sid, SmsSid: message.sid, AccountSid: message.accountSid, From: message.from, To: message.to, ApiVersion: API_VERSION };
}

/** GSM-7 sizing: one 160-character part, or 153-character parts once concatenated. */
function segmentCount(body: string): number {
  return body.length <= 160 ? 1 : Math.ceil(body.length / 153);
}

/** POSTs the form; resolves with the receiver's status, rejects on a network failure or timeout. */
export async function postTwilioForm(url: string, params: Record<string, string>, authToken: string | undefined, signal: AbortSignal): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (authToken !== undefined) headers['x-twilio-signature'] = twilioSignature(authToken, url, params);
  const response = await request(url, {
    method: 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
    signal: AbortSignal.any([signal, AbortSignal.timeout(PUSH_TIMEOUT_MS)]),
  });
  await response.body.dump();
  return response.statusCode;
}
