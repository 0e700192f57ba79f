// The `mailosaur` inbox: SMS to a number reserved on a Mailosaur server, found by searching the
// server's messages sent to it (POST /api/messages/search with `sentTo` and `receivedAfter` = the
// trigger's time; Mailosaur's own default looks back an hour, which would hand out stale codes), then
// reading each new one (GET /api/messages/{id}) for its text. Searching is polling: between empty
// answers we wait as the server's `x-ms-delay` schedule says, as Mailosaur's SDK does.

import { z } from 'zod';
import { systemSleep, type Sleep } from '../../core/deadlines.js';
import { maskNumber } from '../../core/mask.js';
import { StageError } from '../../core/outcome.js';
import { systemClock, type Clock, type InboundSms, type Inbox, type InboxQuery, type InboxResult } from '../../core/providers.js';
import { parseRetryAfter } from '../../http/answer.js';
import type { HttpAnswer, TransportFailure } from '../../http/exchange.js';
import { parseBody } from '../../http/json-api.js';
import { callMailosaur, describeRefusal, refusalCause, type MailosaurConnection } from './client.js';

export interface MailosaurInboxOptions extends MailosaurConnection {
  /** The 8-character id of the server (Mailosaur's "inbox") the number belongs to. */
  readonly serverId: string;
  /** Wait between searches when Mailosaur sends no `x-ms-delay` schedule. */
  readonly pollIntervalMs: number;
  /** Per request. */
  readonly timeoutMs: number;
  /** Stamps InboundSms.receivedAt; the journey's clock. */
  readonly clock?: Clock;
  /** Waits between searches and out a 429's Retry-After. */
  readonly sleep?: Sleep;
}

/** Back-off after a 429 that names no Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Messages per search; a run's window holds a handful at most. */
const ITEMS_PER_PAGE = 50;

const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), { error: 'is not a date' });
const address = z.object({ phone: z.string().nullish() });

/** MessageListResult of MessageSummary: the fields we read. */
const searchResult = z.object({ items: z.array(z.object({ id: z.string(), received: timestamp })) });

/** Message: the fields we read. */
const message = z.object({
  id: z.string(),
  from: z.array(address).default([]),
  received: timestamp,
  text: z.object({ body: z.string().nullish() }).nullish(),
});

export function createMailosaurInbox(options: MailosaurInboxOptions): Inbox {
  if (!(options.pollIntervalMs > 0)) throw new Error(`mailosaur inbox: pollIntervalMs must be a positive number of milliseconds, got ${options.pollIntervalMs}`);
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleep;
  const { serverId } = options;

  function failure(where: string, answer: HttpAnswer | TransportFailure): StageError {
    if (answer.kind === 'transport') return new StageError('inbox_error', `${where}: ${answer.description}`, { cause: answer.cause });
    return new StageError('inbox_error', `${where}: ${describeRefusal(answer, serverId)}`, { status: answer.status, cause: refusalCause(answer, serverId) });
  }

  async function read(id: string, where: string, signal: AbortSignal): Promise<z.output<typeof message>> {
    const answer = await callMailosaur(options, { method: 'GET', path: `/api/messages/${encodeURIComponent(id)}`, timeoutMs: options.timeoutMs, signal });
    if (answer.kind === 'transport' || answer.status !== 200) throw failure(where, answer);
    const parsed = parseBody(answer, message);
    if (!parsed.ok) throw new StageError('inbox_error', `${where}: Mailosaur's message answer is not the documented JSON`, { cause: parsed.cause, status: answer.status });
    return parsed.value;
  }

  return {
    type: 'mailosaur',
    async waitForSms(query: InboxQuery): Promise<InboxResult> {
      const where = `mailosaur inbox for ${maskNumber(query.number)}`;
      const search = {
        method: 'POST',
        path: '/api/messages/search',
        query: searchQuery(serverId, query.sinceWallClock),
        json: searchCriteria(query.number),
        timeoutMs: options.timeoutMs,
        signal: query.signal,
      } as const;
      for (let polls = 0; ; polls++) {
        const answer = await callMailosaur(options, search);
        const arrivedAt = clock.now();
        if (answer.kind === 'answer' && answer.status === 429) {
          const seconds = parseRetryAfter(answer.headers['retry-after'], clock.wallNow()) ?? DEFAULT_RETRY_AFTER_SECONDS;
          await sleep(seconds * 1000, query.signal);
          continue;
        }
        if (answer.kind === 'transport' || answer.status !== 200) throw failure(where, answer);
        const parsed = parseBody(answer, searchResult);
        if (!parsed.ok) throw new StageError('inbox_error', `${where}: Mailosaur's search answer is not the documented JSON`, { cause: parsed.cause, status: answer.status });
        // Mailosaur lists the newest first; the journey wants the oldest first.
        const fresh = parsed.value.items.filter((item) => !query.ignore?.has(item.id)).sort((a, b) => Date.parse(a.received) - Date.parse(b.received));
        if (fresh.length > 0) {
          const messages: InboundSms[] = [];
          for (const item of fresh) {
            const sms = await read(item.id, where, query.signal);
            const from = sms.from[0]?.phone;
            messages.push({
              id: sms.id,
              to: query.number,
              ...(from != null && { from }),
              body: sms.text?.body ?? '',
              receivedAt: arrivedAt,
              providerReceivedAt: new Date(sms.received),
            });
          }
          // Mailosaur applies receivedAfter itself and does not say how many older messages it skipped.
          return { messages, staleIgnored: 0 };
        }
        await sleep(nextDelay(answer.headers['x-ms-delay'], polls, options.pollIntervalMs), query.signal);
      }
    },
  };
}

/** The query of a search: the server, one page, and only messages received since the trigger. */
export function searchQuery(serverId: string, since: Date): Record<string, string> {
  return { server: serverId, itemsPerPage: String(ITEMS_PER_PAGE), receivedAfter: since.toISOString() };
}

/** SearchCriteria: SMS are addressed by the number's digits, without "+". */
export function searchCriteria(number: string): { sentTo: string } {
  return { sentTo: number.replace(/\D/g, '') };
}

/** `x-ms-delay: 1000,1000,2000,5000`: the wait before poll n+1, the last entry repeating. */
function nextDelay(header: string | undefined, polls: number, fallbackMs: number): number {
  const schedule = (header ?? '').split(',').map((entry) => Number.parseInt(entry, 10)).filter((ms) => Number.isFinite(ms) && ms > 0);
  return schedule[Math.min(polls, schedule.length - 1)] ?? fallbackMs;
}
