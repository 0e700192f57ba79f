// The `twilio` inbox: polls Programmable Messaging (ListMessage) for inbound SMS to a Twilio number.
//
// Twilio's date filter is day-granular (`DateSent>=YYYY-MM-DD`, GMT), so each poll asks for the number's
// messages since the trigger's day and keeps, client-side, the inbound ones Twilio created at or after
// the trigger's second. A message is stamped on the journey's monotonic clock the first time a poll
// sees it: the measured delivery latency is therefore late by at most one poll interval (plus a
// request), and Twilio's own receive time is kept beside it as providerReceivedAt.

import { z } from 'zod';
import { maskNumber } from '../../core/mask.js';
import { StageError } from '../../core/outcome.js';
import { systemClock, type Clock, type InboundSms, type Inbox, type InboxQuery, type InboxResult } from '../../core/providers.js';
import { systemSleep, type Sleep } from '../../core/deadlines.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { parseBody, type Parsed } from '../../http/json-api.js';
import { callTwilio, describeRefusal, readRefusal, refusalCause, type TwilioRestOptions } from './rest.js';

export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

/** Twilio's error for an inbound SMS whose body it recognised as a passcode, redacted and failed. */
export const OTP_FILTERED_ERROR = '30038';

export interface TwilioInboxOptions extends Omit<TwilioRestOptions, 'baseUrl'> {
  readonly baseUrl?: string;
  /** Pause between polls; the bound on the latency error, and each poll is one API request or more. */
  readonly pollIntervalMs: number;
  /** Pages followed per poll, of `pageSize` messages each; the newest come first. */
  readonly maxPages?: number;
  readonly pageSize?: number;
  readonly clock?: Clock;
  readonly sleep?: Sleep;
}

/**
 * How much earlier than our trigger Twilio's timestamp of a message may be and still count: Twilio
 * stamps to the second, and its clock and ours are only NTP-close.
 */
export const CLOCK_TOLERANCE_MS = 2_000;
const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_MAX_PAGES = 5;
/** First-seen stamps are kept for this many messages, oldest forgotten first. */
const FIRST_SEEN_CAPACITY = 1_000;

const rfc2822 = z.string().refine((text) => !Number.isNaN(Date.parse(text)), { error: 'is not an RFC 2822 date' });
const message = z.object({
  sid: z.string().min(1),
  to: z.string(),
  from: z.string().nullish(),
  body: z.string().nullish(),
  direction: z.string(),
  status: z.string(),
  date_created: rfc2822.nullish(),
  date_sent: rfc2822.nullish(),
  error_code: z.number().int().nullish(),
});
const messagePage = z.object({ messages: z.array(message), next_page_uri: z.string().nullish() });
type MessagePage = z.output<typeof messagePage>;
type TwilioMessage = z.output<typeof message>;

export function createTwilioInbox(options: TwilioInboxOptions): Inbox {
  if (!(options.pollIntervalMs > 0)) throw new Error(`twilio inbox: pollIntervalMs must be a positive number of milliseconds, got ${options.pollIntervalMs}`);
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleep;
  const rest: TwilioRestOptions = { ...options, baseUrl: options.baseUrl ?? TWILIO_API_BASE_URL };
  const firstSeen = new Map<string, number>();

  const stamp = (sid: string, now: number): number => {
    const seen = firstSeen.get(sid);
    if (seen !== undefined) return seen;
    firstSeen.set(sid, now);
    if (firstSeen.size > FIRST_SEEN_CAPACITY) firstSeen.delete(firstSeen.keys().next().value!);
    return now;
  };

  return {
    type: 'twilio',
    async waitForSms(query: InboxQuery): Promise<InboxResult> {
      const where = `twilio inbox for ${maskNumber(query.number)}`;
      const notBefore = Math.floor(query.sinceWallClock.getTime() / 1000) * 1000 - CLOCK_TOLERANCE_MS;
      for (;;) {
        const inbound = (await listInbound(rest, options, query, notBefore, where)).filter((m) => !query.ignore?.has(m.sid));
        const seenAt = clock.now();
        const fresh: InboundSms[] = [];
        let staleIgnored = 0;
        for (const m of inbound) {
          const receivedAt = stamp(m.sid, seenAt);
          const twilioAt = receivedAtTwilio(m);
          // Stale by Twilio's clock, or by ours: a message an earlier poll saw before this trigger.
          if (twilioAt.getTime() < notBefore || receivedAt < query.since) {
            if (unexpected(query, receivedAt, twilioAt)) staleIgnored++;
            continue;
          }
          if (m.error_code === Number(OTP_FILTERED_ERROR)) throw otpFiltered(where, m);
          if (m.status !== 'received') continue; // `receiving`: the body is not all there yet
          fresh.push({ id: m.sid, to: m.to, body: m.body ?? '', receivedAt, providerReceivedAt: twilioAt, ...(m.from ? { from: m.from } : {}) });
        }
        if (fresh.length > 0) {
          fresh.sort((a, b) => a.providerReceivedAt!.getTime() - b.providerReceivedAt!.getTime());
          return { messages: fresh, staleIgnored };
        }
        await sleep(options.pollIntervalMs, query.signal);
      }
    },
  };
}

/** Inbound messages to the number since `notBefore`'s GMT day, following next_page_uri up to maxPages. */
async function listInbound(rest: TwilioRestOptions, options: TwilioInboxOptions, query: InboxQuery, notBefore: number, where: string): Promise<TwilioMessage[]> {
  const params = new URLSearchParams({
    To: query.number,
    'DateSent>': new Date(notBefore).toISOString().slice(0, 10),
    PageSize: String(options.pageSize ?? DEFAULT_PAGE_SIZE),
  });
  let path: string | undefined = `/2010-04-01/Accounts/${encodeURIComponent(rest.credentials.accountSid)}/Messages.json?${params}`;
  const found: TwilioMessage[] = [];
  for (let page = 0; path !== undefined && page < (options.maxPages ?? DEFAULT_MAX_PAGES); page++) {
    const answer: HttpAnswer | TransportFailure = await callTwilio(rest, { method: 'GET', path, signal: query.signal }).catch((error: unknown) => {
      if (query.signal.aborted || error instanceof StageError) throw error;
      throw new StageError('inbox_error', `${where}: ${(error as Error).message}`, { cause: error });
    });
    if (answer.kind === 'transport') throw new StageError('inbox_error', `${where}: ${answer.description}`, { cause: answer.cause });
    if (answer.status !== 200) {
      const refusal = readRefusal(answer, (options.clock ?? systemClock).wallNow());
      throw new StageError('inbox_error', `${where}: listing messages ${describeRefusal(refusal)}`, {
        cause: refusalCause(refusal), status: answer.status, ...(refusal.code !== undefined && { providerCode: refusal.code }),
      });
    }
    const parsed: Parsed<MessagePage> = parseBody(answer, messagePage);
    if (!parsed.ok) throw new StageError('inbox_error', `${where}: the message list is not the documented JSON`, { cause: parsed.cause, status: answer.status });
    found.push(...parsed.value.messages.filter((m) => m.direction === 'inbound'));
    path = parsed.value.next_page_uri ?? undefined;
  }
  return found;
}

/**
 * Whether a stale message landed after the number's previous run ended: neither clock places it
 * before. Ours covers the messages that run polled (its own SMS, stamped while it waited); Twilio's,
 * those no poll here saw before.
 */
function unexpected({ unexpectedAfter, unexpectedAfterWallClock }: InboxQuery, receivedAt: number, twilioAt: Date): boolean {
  if (unexpectedAfter === undefined || unexpectedAfterWallClock === undefined) return true;
  return receivedAt >= unexpectedAfter && twilioAt.getTime() >= unexpectedAfterWallClock.getTime();
}

function receivedAtTwilio(m: TwilioMessage): Date {
  // date_created is when Twilio took the message in; date_sent, for inbound, when it was handed on.
  return new Date(Date.parse(m.date_created ?? m.date_sent ?? ''));
}

function otpFiltered(where: string, m: TwilioMessage): StageError {
  return new StageError(
    'inbox_error',
    `${where}: Twilio filtered an inbound one-time passcode (error ${OTP_FILTERED_ERROR}) and redacted it: ` +
      'Twilio numbers do not receive OTP messages; receive on another inbox (see docs/providers.md)',
    { providerCode: OTP_FILTERED_ERROR, cause: new Error(`message ${m.sid} has status ${m.status} and error ${OTP_FILTERED_ERROR}`) },
  );
}
