// The `mailslurp` inbox: SMS to a MailSlurp phone number, read with MailSlurp's server-side wait
// (POST /waitForSms). Each wait is held open by MailSlurp for `waitMs` and answers as soon as enough
// messages created since the trigger are there; it is re-issued until one that the journey has not set
// aside arrives or the run's signal aborts the request.

import { z } from 'zod';
import { systemSleep, type Sleep } from '../../core/deadlines.js';
import { maskNumber } from '../../core/mask.js';
import { StageError } from '../../core/outcome.js';
import { systemClock, type Clock, type InboundSms, type Inbox, type InboxQuery, type InboxResult } from '../../core/providers.js';
import { farSideMessage, parseRetryAfter } from '../../http/answer.js';
import type { HttpAnswer } from '../../http/exchange.js';
import { isSuccess, parseBody } from '../../http/json-api.js';
import { callMailSlurp, describeRefusal, refusalCause, type MailSlurpConnection } from './client.js';

export interface MailSlurpInboxOptions extends MailSlurpConnection {
  /** MailSlurp's id of the phone number (not the number itself). */
  readonly phoneId: string;
  /** How long MailSlurp holds each wait open (its `timeout`); MailSlurp advises at most 120 s. */
  readonly waitMs: number;
  /** How long MailSlurp may take to answer beyond that hold. */
  readonly timeoutMs: number;
  /** Stamps InboundSms.receivedAt; the journey's clock. */
  readonly clock?: Clock;
  /** Waits out a 429's Retry-After. */
  readonly sleep?: Sleep;
}

/** Back-off after a 429 that names no Retry-After. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

const timestamp = z.string().refine((text) => !Number.isNaN(Date.parse(text)), { error: 'is not a date' });

/** SmsPreview, the items of /waitForSms's answer (fields we read; MailSlurp sends more). */
const smsPreviews = z.array(z.object({ id: z.string(), body: z.string(), fromNumber: z.string().optional(), createdAt: timestamp }));

/** PhoneNumberDto, the answer of GET /phone/numbers/{id}. */
const phoneNumberDto = z.object({ id: z.string(), phoneNumber: z.string() });

export function createMailSlurpInbox(options: MailSlurpInboxOptions): Inbox {
  if (!(options.waitMs > 0)) throw new Error(`mailslurp inbox: waitMs must be a positive number of milliseconds, got ${options.waitMs}`);
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleep;
  /** Numbers the phone id was confirmed to be, so a mistyped phoneId fails loudly instead of waiting forever. */
  const confirmed = new Set<string>();

  async function confirmNumber(query: InboxQuery, where: string): Promise<void> {
    if (confirmed.has(query.number)) return;
    const answer = await callMailSlurp(options, {
      method: 'GET', path: `/phone/numbers/${encodeURIComponent(options.phoneId)}`, timeoutMs: options.timeoutMs, signal: query.signal,
    });
    if (answer.kind === 'transport') throw new StageError('inbox_error', `${where}: ${answer.description}`, { cause: answer.cause });
    if (!isSuccess(answer)) throw refusal(where, answer, answer.status === 404 ? `MailSlurp has no phone number with id "${options.phoneId}" (404)` : undefined);
    const parsed = parseBody(answer, phoneNumberDto);
    if (!parsed.ok) throw new StageError('inbox_error', `${where}: MailSlurp's phone number answer is not the documented JSON`, { cause: parsed.cause, status: answer.status });
    if (digits(parsed.value.phoneNumber) !== digits(query.number)) {
      throw new StageError('inbox_error', `${where}: MailSlurp phone "${options.phoneId}" is ${maskNumber(parsed.value.phoneNumber)}, not the check's number`);
    }
    confirmed.add(query.number);
  }

  return {
    type: 'mailslurp',
    async waitForSms(query: InboxQuery): Promise<InboxResult> {
      const where = `mailslurp inbox for ${maskNumber(query.number)}`;
      await confirmNumber(query, where);
      // Messages the journey set aside still count towards MailSlurp's condition, so the wait asks for one more than it last saw.
      let seen = 0;
      for (;;) {
        const askedAt = clock.now();
        const answer = await callMailSlurp(options, {
          method: 'POST',
          path: '/waitForSms',
          json: waitConditions(options.phoneId, query.sinceWallClock, seen + 1, options.waitMs),
          timeoutMs: options.waitMs + options.timeoutMs,
          signal: query.signal,
        });
        const arrivedAt = clock.now();
        if (answer.kind === 'transport') throw new StageError('inbox_error', `${where}: ${answer.description}`, { cause: answer.cause });
        if (answer.status === 429) {
          const seconds = parseRetryAfter(answer.headers['retry-after'], clock.wallNow()) ?? DEFAULT_RETRY_AFTER_SECONDS;
          await sleep(seconds * 1000, query.signal);
          continue;
        }
        if (waitElapsed(answer)) {
          // A hold that "ran out" well before the time it was asked for (a proxy, an overloaded API) would
          // otherwise have us ask again as fast as it answers.
          const heldMs = clock.now() - askedAt;
          if (heldMs < options.waitMs) await sleep(Math.min(options.waitMs - heldMs, EARLY_ANSWER_BACKOFF_MS), query.signal);
          continue;
        }
        if (!isSuccess(answer)) throw refusal(where, answer);
        const parsed = parseBody(answer, smsPreviews);
        if (!parsed.ok) throw new StageError('inbox_error', `${where}: MailSlurp's waitForSms answer is not the documented JSON`, { cause: parsed.cause, status: answer.status });
        const fresh = parsed.value.filter((sms) => !query.ignore?.has(sms.id));
        if (fresh.length > 0) {
          const messages: InboundSms[] = fresh
            .map((sms) => ({
              id: sms.id,
              to: query.number,
              ...(sms.fromNumber !== undefined && { from: sms.fromNumber }),
              body: sms.body,
              receivedAt: arrivedAt,
              providerReceivedAt: new Date(sms.createdAt),
            }))
            .sort((a, b) => a.providerReceivedAt.getTime() - b.providerReceivedAt.getTime());
          // MailSlurp filters by `since` itself and does not say how many older messages it skipped.
          return { messages, staleIgnored: 0 };
        }
        seen = parsed.value.length;
      }
    },
  };
}

/** The most we wait before asking again after a hold that ended early. */
const EARLY_ANSWER_BACKOFF_MS = 1_000;

/** WaitForSmsConditions: at least `count` messages created since the trigger, oldest first. */
export function waitConditions(phoneId: string, since: Date, count: number, waitMs: number) {
  return { phoneNumberId: phoneId, count, countType: 'ATLEAST', timeout: waitMs, sortDirection: 'ASC', since: since.toISOString() };
}

/**
 * MailSlurp's hold ran out before the condition was met: not a failure, the wait is re-issued. The
 * status is not documented; the message is ("Failed to satisfy … query …", mailslurp-client#56).
 */
function waitElapsed(answer: HttpAnswer): boolean {
  if (answer.status === 408) return true;
  return answer.status >= 400 && answer.status < 500 && /^failed to satisfy/i.test(farSideMessage(answer.text) ?? '');
}

function refusal(where: string, answer: HttpAnswer, description = describeRefusal(answer)): StageError {
  return new StageError('inbox_error', `${where}: ${description}`, { status: answer.status, cause: refusalCause(answer) });
}

function digits(number: string): string {
  return number.replace(/\D/g, '');
}
