// The inbound-SMS webhook endpoints, framework-free: any node:http server (the probe's, the receiver's)
// passes its requests through and gets `true` back for the paths handled here. Every request is
// authenticated before it can reach the inbox, and handed on with its acceptor (the format and the
// credential that let it in); a message id an acceptor already delivered is a replay, answered as a
// success (so the sender stops retrying) and delivered to no one. Bad requests are answered, never thrown.
//
//   POST /webhooks/twilio    Twilio's form, signed with X-Twilio-Signature  → 200 empty TwiML
//   POST /webhooks/generic   JSON, signed with X-Signature: sha256=<hex>, optionally timestamped → 204
//   GET|POST /webhooks/vonage  query, form or JSON; `sig` checked unless the endpoint is unsigned → 204
//   403 bad or missing signature, stale timestamp · 413 body over maxBodyBytes · 400 malformed ·
//   405 wrong method · 415 wrong content type

import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../../core/providers.js';
import { formatSeconds } from '../../core/seconds.js';
import { parseTwilioForm, parseTwilioInbound } from '../twilio/inbound.js';
import { isValidTwilioSignature } from '../twilio/signature.js';
import { parseVonageInbound, vonageParamsFromJson, vonageParamsFromSearch, type VonageParams } from '../vonage/inbound.js';
import { isValidVonageSignature, VONAGE_SIGNATURE_PARAM, type VonageSignatureMethod } from '../vonage/signature.js';
import { HttpRefusal, readBody, sendRefusal } from '../../http/serving.js';
import { createAcceptor, type Acceptor } from './acceptor.js';
import {
  DEFAULT_GENERIC_TIMESTAMP_TOLERANCE_MS,
  GENERIC_SIGNATURE_HEADER,
  GENERIC_TIMESTAMP_HEADER,
  genericSignedContent,
  isValidGenericSignature,
  parseGenericInbound,
  parseGenericTimestamp,
} from './generic.js';
import { MalformedInboundError } from './format.js';
import type { ArrivingSms } from './inbox.js';
import { ReplayMemory } from './replay-memory.js';

export const WEBHOOK_PATHS = { twilio: '/webhooks/twilio', generic: '/webhooks/generic', vonage: '/webhooks/vonage' } as const;
export type WebhookFormat = keyof typeof WEBHOOK_PATHS;

/** Where authenticated messages go; `acceptor` says which endpoint and credential let each in. */
export interface WebhookSink {
  accept(sms: ArrivingSms, acceptor: Acceptor): unknown;
}

export interface TwilioEndpoint {
  readonly authToken: string;
  /** The exact URL configured as the number's SmsUrl, when a proxy stands between Twilio and us. */
  readonly publicUrl?: string;
}

export interface GenericEndpoint {
  readonly secret: string;
  /** How far a signed X-Signature-Timestamp may be from our clock; older (or later) is refused. */
  readonly timestampToleranceMs?: number;
}

/** Signed with the account's signature secret, or explicitly unsigned: anyone reaching it can add an SMS. */
export type VonageEndpoint =
  | { readonly signatureSecret: string; readonly signatureMethod: VonageSignatureMethod; readonly unsigned?: never }
  | { readonly unsigned: true; readonly signatureSecret?: never; readonly signatureMethod?: never };

/** The formats served and their credentials, and where accepted messages go. */
export interface WebhookEndpoints {
  readonly inbox: WebhookSink;
  /** Enables /webhooks/twilio. */
  readonly twilio?: TwilioEndpoint;
  /** Enables /webhooks/generic. */
  readonly generic?: GenericEndpoint;
  /** Enables /webhooks/vonage. */
  readonly vonage?: VonageEndpoint;
}

export interface WebhookHandlerOptions extends WebhookEndpoints {
  /** The message ids already delivered; a new in-memory one by default. */
  readonly replays?: ReplayMemory;
  readonly maxBodyBytes?: number;
  /** Told about every refused request (for logs and counters); never given the body. */
  readonly onRejected?: (rejection: WebhookRejection) => void;
  /** Told about every replay answered but not delivered; never given the message. */
  readonly onReplay?: (replay: WebhookReplay) => void;
  /** Our clock, which a signed X-Signature-Timestamp is compared with. */
  readonly clock?: Clock;
}

export interface WebhookRejection {
  readonly format: WebhookFormat;
  readonly status: number;
  readonly reason: string;
}

export interface WebhookReplay {
  readonly format: WebhookFormat;
  /** The acceptor's fingerprint (`twilio:<hex>`, `vonage:unsigned`…): which endpoint and credential. */
  readonly acceptor: string;
}

export type WebhookRequestHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export const DEFAULT_WEBHOOK_MAX_BODY_BYTES = 64 * 1024;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
/** What each format's sender can be set to send; Vonage's dashboard offers GET, POST and POST-JSON. */
const ACCEPTED: Record<WebhookFormat, { readonly methods: readonly string[]; readonly contentTypes: readonly string[] }> = {
  twilio: { methods: ['POST'], contentTypes: [FORM] },
  generic: { methods: ['POST'], contentTypes: [JSON_TYPE] },
  vonage: { methods: ['GET', 'POST'], contentTypes: [FORM, JSON_TYPE] },
};
const EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export function createWebhookHandler(options: WebhookHandlerOptions): WebhookRequestHandler {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_WEBHOOK_MAX_BODY_BYTES;
  const replays = options.replays ?? ReplayMemory.inMemory();
  const receive = receivers(options, options.clock ?? systemClock);

  return async (req, res) => {
    const format = formatFor(pathOf(req.url), receive);
    if (format === undefined) return false;
    try {
      const { methods, contentTypes } = ACCEPTED[format];
      if (!methods.includes(req.method ?? '')) throw new HttpRefusal(405, `only ${methods.join(' or ')} is accepted`, { allow: methods.join(', ') });
      const hasBody = req.method !== 'GET';
      if (hasBody && !contentTypes.includes(mediaType(req.headers['content-type']))) throw new HttpRefusal(415, `content type must be ${contentTypes.join(' or ')}`);
      const raw = hasBody ? await readBody(req, { maxBytes: maxBodyBytes }) : Buffer.alloc(0);
      const { acceptor, sms } = receive[format]!(req, raw);
      if (replays.firstDelivery(acceptor, sms.id)) options.inbox.accept(sms, acceptor);
      else notify(options.onReplay, { format, acceptor: acceptor.id });
      // Answered once the id is on disk: a sender that sees success will not send it again.
      await replays.saved();
      if (format === 'twilio') res.writeHead(200, { 'content-type': 'text/xml' }).end(EMPTY_TWIML);
      else res.writeHead(204).end();
    } catch (error) {
      refuse(req, res, format, error, options.onRejected);
    }
    return true;
  };
}

/** An authenticated message and the acceptor that let it in. */
interface Accepted {
  readonly acceptor: Acceptor;
  readonly sms: ArrivingSms;
}

type Receive = (req: IncomingMessage, raw: Buffer) => Accepted;

/** A receiver per configured format, its acceptor made once. */
function receivers({ twilio, generic, vonage }: WebhookEndpoints, clock: Clock): Partial<Record<WebhookFormat, Receive>> {
  if (vonage !== undefined && vonage.signatureSecret === undefined && vonage.unsigned !== true) {
    throw new TypeError('vonage: give a signatureSecret, or unsigned: true to accept unauthenticated messages');
  }
  const receive: Partial<Record<WebhookFormat, Receive>> = {};
  if (twilio) {
    const acceptor = createAcceptor('twilio', twilio.authToken);
    receive.twilio = (req, raw) => ({ acceptor, sms: twilioSms(req, raw, twilio) });
  }
  if (generic) {
    const acceptor = createAcceptor('generic', generic.secret);
    receive.generic = (req, raw) => ({ acceptor, sms: genericSms(req, raw, generic, acceptor, clock) });
  }
  if (vonage) {
    const acceptor = createAcceptor('vonage', vonage.signatureSecret);
    receive.vonage = (req, raw) => ({ acceptor, sms: vonageSms(req, raw, vonage) });
  }
  return receive;
}

function twilioSms(req: IncomingMessage, raw: Buffer, twilio: TwilioEndpoint): ArrivingSms {
  const form = raw.toString('utf8');
  const signature = req.headers['x-twilio-signature'];
  if (typeof signature !== 'string') throw new HttpRefusal(403, 'X-Twilio-Signature is missing');
  const signedUrl = twilio.publicUrl ?? `http://${req.headers.host ?? ''}${req.url ?? ''}`;
  if (!isValidTwilioSignature(twilio.authToken, signedUrl, parseTwilioForm(form), signature)) throw new HttpRefusal(403, 'X-Twilio-Signature does not match');
  return parseTwilioInbound(form);
}

function genericSms(req: IncomingMessage, raw: Buffer, generic: GenericEndpoint, acceptor: Acceptor, clock: Clock): ArrivingSms {
  const signature = req.headers[GENERIC_SIGNATURE_HEADER];
  if (typeof signature !== 'string') throw new HttpRefusal(403, 'X-Signature is missing');
  // Node joins a repeated custom header with ", ": that is not unix seconds, so it is refused below.
  const timestamp = req.headers[GENERIC_TIMESTAMP_HEADER] as string | undefined;
  const signedAtMs = timestamp === undefined ? undefined : parseGenericTimestamp(timestamp);
  if (!isValidGenericSignature(generic.secret, raw, signature, timestamp)) throw new HttpRefusal(403, 'X-Signature does not match');
  const toleranceMs = generic.timestampToleranceMs ?? DEFAULT_GENERIC_TIMESTAMP_TOLERANCE_MS;
  if (signedAtMs !== undefined && Math.abs(clock.wallNow().getTime() - signedAtMs) > toleranceMs) {
    throw new HttpRefusal(403, `X-Signature-Timestamp is more than ${formatSeconds(toleranceMs / 1000)} from our clock`);
  }
  // A message without an id is named after what was signed: the same request again is the same message.
  return parseGenericInbound(raw.toString('utf8'), () => `signed-content:${acceptor.digest(genericSignedContent(raw, timestamp).toString('base64'))}`);
}

function vonageSms(req: IncomingMessage, raw: Buffer, vonage: VonageEndpoint): ArrivingSms {
  const params = vonageParams(req, raw);
  if (vonage.signatureSecret !== undefined) {
    if (params[VONAGE_SIGNATURE_PARAM] === undefined) throw new HttpRefusal(403, 'sig is missing');
    if (!isValidVonageSignature(params, vonage.signatureSecret, vonage.signatureMethod)) throw new HttpRefusal(403, 'sig does not match');
  }
  return parseVonageInbound(params);
}

/** GET carries the parameters in the query; POST in a form or JSON body (the query is not Vonage's). */
function vonageParams(req: IncomingMessage, raw: Buffer): VonageParams {
  if (req.method === 'GET') return vonageParamsFromSearch(new URL(req.url ?? '/', 'http://localhost').searchParams);
  const body = raw.toString('utf8');
  return mediaType(req.headers['content-type']) === JSON_TYPE ? vonageParamsFromJson(body) : vonageParamsFromSearch(new URLSearchParams(body));
}

function refuse(req: IncomingMessage, res: ServerResponse, format: WebhookFormat, error: unknown, onRejected: WebhookHandlerOptions['onRejected']): void {
  const refusal =
    error instanceof HttpRefusal ? error : error instanceof MalformedInboundError ? new HttpRefusal(400, error.message) : new HttpRefusal(500, 'the request could not be handled');
  sendRefusal(req, res, refusal, { text: refusal.message });
  notify(onRejected, { format, status: refusal.status, reason: refusal.message });
}

/** An observer's failure must not turn a clean answer into a crash. */
function notify<Event>(observer: ((event: Event) => void) | undefined, event: Event): void {
  try {
    observer?.(event);
  } catch {
    // ignored: see above
  }
}

function formatFor(path: string, served: Partial<Record<WebhookFormat, Receive>>): WebhookFormat | undefined {
  return (Object.keys(WEBHOOK_PATHS) as WebhookFormat[]).find((format) => WEBHOOK_PATHS[format] === path && served[format] !== undefined);
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0]!;
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';', 1)[0]!.trim().toLowerCase();
}
