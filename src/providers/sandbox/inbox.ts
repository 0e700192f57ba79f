// The sandbox inbox: long-polls the sandbox for SMS to the test number and stamps each on the
// journey's clock the moment it arrives.

import { z } from 'zod';
import { maskNumber } from '../../core/mask.js';
import { StageError } from '../../core/outcome.js';
import { systemClock, type Clock, type Inbox, type InboxQuery, type InboxResult } from '../../core/providers.js';
import { parseBody } from '../../http/json-api.js';
import { answerError, callSandbox } from './client.js';

export interface SandboxInboxOptions {
  readonly baseUrl: string;
  /** How long the sandbox holds each poll open waiting for a message (long-poll); must be positive. */
  readonly pollIntervalMs: number;
  /** How long the sandbox may take to answer beyond that hold. */
  readonly timeoutMs: number;
  /** Stamps InboundSms.receivedAt; the journey's clock. */
  readonly clock?: Clock;
}

const messagesAnswer = z.object({
  messages: z.array(z.object({ id: z.string(), to: z.string(), from: z.string(), body: z.string(), receivedAt: z.iso.datetime() })),
  earlierCount: z.number().int().nonnegative().optional(),
});

export function createSandboxInbox(options: SandboxInboxOptions): Inbox {
  if (!(options.pollIntervalMs > 0)) throw new Error(`sandbox inbox: pollIntervalMs must be a positive number of milliseconds, got ${options.pollIntervalMs}`);
  const clock = options.clock ?? systemClock;
  return {
    type: 'sandbox',
    async waitForSms(query: InboxQuery): Promise<InboxResult> {
      const where = `sandbox inbox for ${maskNumber(query.number)}`;
      // Messages the journey already passed over stay out of the answer, so the long-poll waits for new ones.
      const params = new URLSearchParams({ to: query.number, since: query.sinceWallClock.toISOString(), waitMs: String(options.pollIntervalMs) });
      if (query.ignore?.size) params.set('exclude', [...query.ignore].join(','));
      // Only earlier messages that landed once the number's previous run had ended count as stale.
      if (query.unexpectedAfterWallClock) params.set('earlierSince', query.unexpectedAfterWallClock.toISOString());
      for (;;) {
        const answer = await callSandbox(options.baseUrl, {
          method: 'GET', path: `/api/inbox/messages?${params}`, timeoutMs: options.pollIntervalMs + options.timeoutMs, signal: query.signal,
        });
        const arrivedAt = clock.now();
        if (answer.kind === 'transport') throw new StageError('inbox_error', `${where}: ${answer.description}`, { cause: answer.cause });
        if (answer.status !== 200) throw new StageError('inbox_error', `${where}: the sandbox answered ${answer.status}`, { cause: answerError(answer), status: answer.status });
        const parsed = parseBody(answer, messagesAnswer);
        if (!parsed.ok) throw new StageError('inbox_error', `${where}: the answer is not the promised JSON`, { cause: parsed.cause, status: answer.status });
        const { messages, earlierCount = 0 } = parsed.value;
        if (messages.length > 0) {
          return {
            messages: messages.map((sms) => ({ ...sms, receivedAt: arrivedAt, providerReceivedAt: new Date(sms.receivedAt) })),
            staleIgnored: earlierCount,
          };
        }
      }
    },
  };
}
