// Which SMS is the run's own. Under the number's lease no other run of this process texts the number,
// yet three things still can: an earlier run's SMS still in flight (that run gave up waiting for it), a
// carrier's late copy, and another process using the same number (a second CI job, a probe). A careful
// human tester tells them apart by what they know of their own sends, and so does a run:
// - before it sends, it waits (boundedly) for the SMS an earlier run is still owed, retiring its code,
//   and keeps to the app's resend window;
// - when the app refuses its code or throttles its send, it looks at what else reached the number
//   before blaming the app: a newer SMS gets a second attempt, and codes that no send of ours explains
//   make the failure ours (`number_contention`, origin probe), never the target's.

import { Interruption, Scope, within, type Sleep } from './deadlines.js';
import { extractOtp } from './extract.js';
import type { Lease } from './lease.js';
import type { Clock, InboundSms, Inbox, InboxQuery } from './providers.js';
import type { CheckSpec } from './types.js';

export interface StepsContext {
  readonly clock: Clock;
  readonly sleep: Sleep;
  /** Aborting it aborts every call in flight. */
  readonly signal: AbortSignal;
  /** The number's lease: which codes earlier runs used, which sends they are owed, and where this run's go. */
  readonly lease: Lease;
}

/** What waiting for earlier runs' SMS saw (see awaitOwedSms). */
export interface OwedSmsWait {
  /** Ids of the messages the wait looked at: settled, never the run's own. */
  readonly seen: ReadonlySet<string>;
  /** How many of them arrived during the wait: awaited, so never `stale_messages_ignored`. */
  readonly arrivedWhileWaiting: number;
}

/**
 * Waits for the SMS of earlier sends that never reached their run (Lease.outstanding), until as many
 * messages with a live code have landed, their codes die, or one delivery timeout has passed, whichever
 * is first; retires the code of each that lands. Without it, a late SMS lands in the next run, which
 * submits its stale code and fails `code_rejected`, and that run's own SMS lands in the run after, down
 * the line. Sends already awaited once are not waited for again (see refusalEvidence).
 */
export async function awaitOwedSms(spec: CheckSpec, inbox: Inbox, context: StepsContext): Promise<OwedSmsWait | undefined> {
  const { clock, lease } = context;
  const owed = lease.outstanding.filter((send) => send.awaited !== true);
  const first = owed[0];
  if (first === undefined) return undefined;
  const start = clock.now();
  const until = Math.min(Math.max(...owed.map((send) => send.expiresAt)), start + spec.timeouts.deliveryMs);
  const seen = new Set<string>();
  let arrivedWhileWaiting = 0;
  let landed = 0;
  try {
    while (landed < owed.length) {
      const messages = await messagesWithin(inbox, { number: spec.number, since: first.sentAt, sinceWallClock: first.sentAtWall, ignore: new Set(seen) }, until - clock.now(), context);
      if (messages.length === 0) break;
      for (const sms of messages) {
        seen.add(sms.id);
        if (sms.receivedAt >= start) arrivedWhileWaiting += 1;
        const code = codeOf(sms, spec);
        if (code !== undefined && !lease.usedCodes.has(code)) {
          lease.markUsed(code);
          landed += 1;
        }
      }
    }
  } finally {
    lease.settleOutstanding(landed);
  }
  return { seen, arrivedWhileWaiting };
}

/**
 * Waits until the check's resend window has passed since the number's last send by this process. A
 * tester does not ask for a code the app must refuse: back-to-back runs on one number (a batch, a fast
 * probe schedule) would otherwise meet the app's own throttle and call it a target failure.
 */
export async function keepToResendWindow(spec: CheckSpec, context: StepsContext): Promise<void> {
  const { lastSentAt } = context.lease;
  if (lastSentAt === undefined) return;
  const wait = lastSentAt + spec.policy.resendWindowMs - context.clock.now();
  if (wait > 0) await context.sleep(wait, context.signal);
}

/** How long a second look at the inbox waits for a message that may not be there. */
const PEEK_MS = 1_000;

/**
 * Counts the messages whose code no send of this process explains that reached the number shortly
 * before a send the app throttled: since the number's previous run here, within the resend window
 * (at least one delivery timeout). Our own sends keep to the window (keepToResendWindow), so such a
 * message is someone else's send, and the throttle is theirs, not the app misbehaving.
 */
export async function throttleEvidence(spec: CheckSpec, inbox: Inbox, context: StepsContext, requestedAt: number, requestedAtWall: Date): Promise<number> {
  const from = Math.max(context.lease.previousReleaseAt ?? -Infinity, requestedAt - Math.max(spec.policy.resendWindowMs, spec.timeouts.deliveryMs));
  return unexplainedSince(spec, inbox, context, { from, anchor: requestedAt, anchorWall: requestedAtWall, limitMs: PEEK_MS });
}

/** What else reached the number around a refused code (see refusalEvidence). */
export interface RefusalEvidence {
  /** The newest SMS since the send, arrived after the refused one, with a code not yet tried: the second attempt's. */
  readonly newer?: { readonly message: InboundSms; readonly code: string };
  /** Messages since the number's previous run whose code no send of this process explains. */
  readonly unexplained: number;
  /** Earlier sends of this process whose SMS never reached their run and may still land. */
  readonly owed: number;
}

export interface RefusedSubmission {
  /** Monotonic and wall-clock time the run's send request went out. */
  readonly sentAt: number;
  readonly sentAtWall: Date;
  /** The message whose code was refused. */
  readonly message: InboundSms;
  /** Ids of the messages the run already looked at. */
  readonly seen: ReadonlySet<string>;
  /** How long the run's SMS took to arrive, to judge how long another might. */
  readonly deliverMs: number;
}

/** However fast the run's own SMS came, a second one gets at least this long to show up. */
const MIN_SETTLE_MS = 1_000;

/**
 * Looks at what reached the number around a refused code, as a tester would before filing a bug:
 * first waits a little for an SMS newer than the refused one (as long again as the run's own took,
 * twice, and at least a second), then lists every message since the number's previous run (or, on
 * its first run here, within one TTL before the send) and counts those whose code no send of this
 * process explains: not the refused code, not one retired by an earlier run. Either is a sign that
 * the refused code was not the app's answer to this run's send.
 */
export async function refusalEvidence(spec: CheckSpec, inbox: Inbox, context: StepsContext, refused: RefusedSubmission): Promise<RefusalEvidence> {
  const { clock, lease } = context;
  const refusedCode = codeOf(refused.message, spec);
  const untried = (sms: InboundSms) => unexplainedCode(sms, spec, lease, refusedCode);

  const settleUntil = clock.now() + Math.max(2 * refused.deliverMs, MIN_SETTLE_MS);
  const ignore = new Set(refused.seen);
  let newer: RefusalEvidence['newer'];
  while (newer === undefined && clock.now() < settleUntil) {
    const arrived = await messagesWithin(inbox, { number: spec.number, since: refused.sentAt, sinceWallClock: refused.sentAtWall, ignore: new Set(ignore) }, settleUntil - clock.now(), context);
    if (arrived.length === 0) break;
    for (const sms of arrived) {
      ignore.add(sms.id);
      const code = untried(sms);
      if (code !== undefined && sms.receivedAt >= refused.message.receivedAt && (newer === undefined || sms.receivedAt >= newer.message.receivedAt)) newer = { message: sms, code };
    }
  }

  const from = lease.previousReleaseAt ?? refused.sentAt - spec.policy.ttlMs;
  const unexplained = await unexplainedSince(spec, inbox, context, { from, anchor: refused.sentAt, anchorWall: refused.sentAtWall, limitMs: spec.timeouts.stepMs, except: refusedCode });
  return { ...(newer && { newer }), unexplained, owed: lease.outstanding.length };
}

/** A message's code when no send of this process explains it: not `except`, not one retired on the number. */
function unexplainedCode(message: InboundSms, spec: CheckSpec, lease: Lease, except?: string): string | undefined {
  const code = codeOf(message, spec);
  return code !== undefined && code !== except && !lease.usedCodes.has(code) ? code : undefined;
}

interface Lookback {
  /** Monotonic time from which messages count. */
  readonly from: number;
  /** An instant known on both clocks, to place `from` on the wall clock. */
  readonly anchor: number;
  readonly anchorWall: Date;
  /** How long to wait for the inbox's answer. */
  readonly limitMs: number;
  /** A code this run already accounts for. */
  readonly except?: string | undefined;
}

/** How many messages to the number since `from` carry a code that no send of this process explains. */
async function unexplainedSince(spec: CheckSpec, inbox: Inbox, context: StepsContext, lookback: Lookback): Promise<number> {
  const { from, anchor, anchorWall, limitMs, except } = lookback;
  const sinceWallClock = new Date(anchorWall.getTime() - (anchor - from));
  const messages = await messagesWithin(inbox, { number: spec.number, since: from, sinceWallClock }, limitMs, context);
  return messages.filter((sms) => unexplainedCode(sms, spec, context.lease, except) !== undefined).length;
}

/** The code the run would read from a message, if any. */
export function codeOf(message: InboundSms, spec: CheckSpec): string | undefined {
  return extractOtp(message.body, spec.extract).code;
}

/**
 * The messages the inbox holds for `query`, or none if none came within `limitMs`. A failing inbox
 * also gives none: this is a second look, and what the run already knows stands without it. Only
 * the run's own cancellation or budget ends it.
 */
async function messagesWithin(inbox: Inbox, query: Omit<InboxQuery, 'signal'>, limitMs: number, context: StepsContext): Promise<readonly InboundSms[]> {
  if (limitMs <= 0) return [];
  const scope = new Scope(context.signal);
  const enough = new Interruption('timeout', 'looked long enough');
  try {
    const result = await within(scope, limitMs, context.sleep, () => enough, (signal) => inbox.waitForSms({ ...query, signal }));
    return result.messages;
  } catch (error) {
    if (context.signal.aborted) throw error;
    return [];
  } finally {
    scope.close();
  }
}
