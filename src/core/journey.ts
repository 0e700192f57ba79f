// One verification, end to end: trigger → deliver → extract → verify, under the number's lease, every
// wait bounded, every stage timed on one monotonic clock, and exactly one reason when it fails.
// Nothing here does I/O: providers do, behind the interfaces in providers.ts.

import { randomUUID } from 'node:crypto';
import { awaitOwedSms, codeOf, keepToResendWindow, refusalEvidence, throttleEvidence, type StepsContext } from './attribution.js';
import { arm, cancellable, Interruption, Scope, systemSleep, within, type Sleep } from './deadlines.js';
import { extractOtp } from './extract.js';
import { leaseFor, type HeldLease, type LeaseSource } from './lease.js';
import { maskCode, maskNumber, scrub } from './mask.js';
import { FAILURE_REASONS, StageError, type FailureReason, type Outcome, type Stage, type Warning } from './outcome.js';
import { formatSeconds } from './seconds.js';
import {
  systemClock,
  type CheckProviders,
  type Clock,
  type DeliveryFailure,
  type InboundSms,
  type TriggerResult,
} from './providers.js';
import type { CheckSpec, RunRecord, StageTimings } from './types.js';

export interface RunOptions extends LeaseSource {
  readonly clock?: Clock;
  /** Times the deadlines; must follow the same time as `clock` (a fake clock provides both). */
  readonly sleep?: Sleep;
  /** Cancels the run; it is still recorded (see runCheck). */
  readonly signal?: AbortSignal;
  readonly id?: string;
  /** Called as each stage begins, with the milliseconds since the journey began. */
  readonly onStage?: (stage: Stage, elapsedMs: number) => void;
  /**
   * Called with the raw code the moment it is extracted, before anything could print it, so a face
   * can register it for masking (the Action's setSecret). It must not log or store the code.
   */
  readonly onCode?: (code: string) => void;
}

/**
 * Runs one verification and records it. Never throws: every path, including cancellation, ends in a
 * RunRecord, and the number's lease is released and every provider call still running is aborted.
 *
 * A run cut off by the caller's signal is recorded as a failure with `internal_error` (origin `probe`,
 * so SLOs never count it against the target) and `cancelled: true`, in the stage it was cut off in:
 * dropping it would hide SMS that were sent and paid for, and the flag lets statistics leave it out.
 */
export async function runCheck(spec: CheckSpec, providers: CheckProviders, options: RunOptions = {}): Promise<RunRecord> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleep;
  const root = cancellable(options.signal);
  const warnings: Warning[] = [];
  const timings: Omit<StageTimings, 'totalMs'> = {};
  let startedAt = clock.now();
  let startedAtWall = clock.wallNow();
  let stage: Stage = 'trigger';
  let message: InboundSms | undefined;
  let code: string | undefined;
  /** When the send request went out, on both clocks: its SMS may land after a failed run. */
  let requested: { readonly at: number; readonly wall: Date } | undefined;
  let held: HeldLease | undefined;
  /** Cancels the trigger's send, once it was accepted: for a run that then fails. */
  let releaseSend: (() => Promise<void>) | undefined;

  const record = (outcome: Outcome, totalMs: number, failure?: Failure): RunRecord => ({
    id: options.id ?? randomUUID(),
    check: spec.name,
    location: spec.location,
    number: maskNumber(spec.number),
    startedAt: startedAtWall.toISOString(),
    outcome,
    ...(failure && {
      reason: failure.reason,
      stage: stageOf(failure.reason, stage),
      origin: FAILURE_REASONS[failure.reason].origin,
      detail: scrub(failure.detail, [...secretsOf(spec.number), ...(code === undefined ? [] : [code])]),
    }),
    warnings,
    timings: { ...timings, totalMs },
    ...(timings.deliverMs !== undefined && { deliverySeconds: timings.deliverMs / 1000 }),
    ...(message?.providerReceivedAt && { providerReceivedAt: message.providerReceivedAt.toISOString() }),
    ...(failure?.providerCode !== undefined && { providerCode: failure.providerCode }),
    ...(code !== undefined && { code: maskCode(code) }),
    ...(failure?.cancelled && { cancelled: true }),
  });

  try {
    held = await leaseFor(spec.number, options, { signal: root.signal, waitMs: spec.timeouts.totalMs });
    const { lease } = held;
    const beforeJourney = { clock, sleep, signal: root.signal, lease };
    // An SMS an earlier run is still owed would land in this run: wait for it first (bounded).
    const owed = await awaitOwedSms(spec, providers.inbox, beforeJourney);
    if (owed) warnings.push('late_sms_awaited');
    await keepToResendWindow(spec, beforeJourney);
    // The journey, and its budget, start once the number is ours and quiet: waiting is not the target's latency.
    startedAt = clock.now();
    startedAtWall = clock.wallNow();
    const budget = new Scope(root.signal);
    const disarm = arm(budget, spec.timeouts.totalMs, sleep, () => new Interruption('timeout', `the journey's ${formatSeconds(spec.timeouts.totalMs / 1000)} budget ran out`));
    try {
      const steps = new JourneySteps(spec, providers, { clock, sleep, signal: budget.signal, lease });
      const enter = (next: Stage) => {
        stage = next;
        options.onStage?.(next, clock.now() - startedAt);
      };

      enter('trigger');
      requested = { at: clock.now(), wall: clock.wallNow() };
      const sent = await timed(clock, (ms) => (timings.triggerMs = ms), () => steps.send()).catch((error: unknown) => steps.judgeSendFailure(error, requested!));
      releaseSend = () => steps.release(sent);

      enter('deliver');
      const delivery = await steps.receive(sent, owed?.seen);
      message = delivery.message;
      // An SMS can reach the inbox before a slow send API answers; its latency is then nil, not negative.
      timings.deliverMs = Math.max(0, message.receivedAt - sent.acceptedAt);
      // What landed while this run waited for it was awaited, not stale.
      const staleIgnored = Math.max(0, delivery.staleIgnored - (owed?.arrivedWhileWaiting ?? 0));
      warnings.push(...deliveryWarnings({ ...delivery, staleIgnored }, sent, startedAt, startedAtWall));

      enter('extract');
      const extractStart = clock.now();
      const extracted = steps.extract(message);
      timings.extractMs = clock.now() - extractStart;
      code = extracted.code;
      options.onCode?.(code);
      if (extracted.ambiguous) warnings.push('ambiguous_code');
      if (timings.deliverMs > spec.policy.ttlMs) {
        // Past its TTL the code is dead: no OTP system resends it, so a late copy of it is never ours.
        steps.retire(code);
        throw new StageError('sms_late', `the SMS took ${formatSeconds(timings.deliverMs / 1000)}, past the code's ${formatSeconds(spec.policy.ttlMs / 1000)} lifetime`);
      }

      enter('verify');
      const verified = await steps.verify(sent, delivery, extracted.code, (ms) => (timings.verifyMs = ms));
      code = verified.code;
      warnings.push(...verified.warnings.filter((warning) => !warnings.includes(warning)));
      const totalMs = clock.now() - startedAt;
      return record(spec.degradedAfterMs !== undefined && totalMs > spec.degradedAfterMs ? 'degraded' : 'success', totalMs);
    } finally {
      disarm();
      budget.close();
    }
  } catch (error) {
    const failure = failureOf(error, stage);
    const failed = record('failure', clock.now() - startedAt, failure);
    // A send whose SMS never reached the run may still land; the number's next run waits for it first.
    if (requested !== undefined && message === undefined && mayStillLand(failure, stage, error)) {
      held?.lease.leaveOutstanding({ sentAt: requested.at, sentAtWall: requested.wall, expiresAt: requested.at + spec.policy.ttlMs });
    }
    // A failed run leaves its send pending, a rejected code included. Cancelled once the record is
    // made, so the cancel's time and fate are no part of it; under the lease, so the next run starts after.
    await releaseSend?.();
    return failed;
  } finally {
    held?.release();
    root.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// The provider calls, each bounded and cancellable; shared with the anti-abuse controls.

export type { StepsContext };

/** A send the trigger accepted. */
export interface Sent {
  /** Monotonic time the request went out: messages received before it are stale. */
  readonly startedAt: number;
  readonly startedAtWall: Date;
  /** Monotonic time the trigger answered: delivery latency counts from here. */
  readonly acceptedAt: number;
  readonly result: TriggerResult;
  /** Ends the trigger's follow-up work (watching delivery reports). receive() does it when delivery is decided. */
  close(): void;
}

export interface Delivery {
  /** The newest message received since the send, of those not passed over. */
  readonly message: InboundSms;
  readonly received: number;
  /** Messages since the send passed over as copies of an SMS whose code was already used (see receive()). */
  readonly passedOver: number;
  /** Messages from before the send that arrived while no run was waiting (see InboxQuery.unexpectedAfter). */
  readonly staleIgnored: number;
  /** Different codes among the messages since the send, more than one, and no earlier send of ours owed to explain them: someone else's send reached the number. */
  readonly foreign: boolean;
  /** Ids of every message looked at since the send. */
  readonly seen: ReadonlySet<string>;
}

/** The code the app accepted, and the warnings the verify earned. */
export interface Verified {
  readonly code: string;
  readonly warnings: readonly Warning[];
}

export interface Extracted {
  readonly code: string;
  readonly ambiguous: boolean;
}

export class JourneySteps {
  /** Codes these steps read from an SMS. */
  readonly #read = new Set<string>();

  constructor(
    private readonly spec: CheckSpec,
    private readonly providers: CheckProviders,
    private readonly context: StepsContext,
  ) {}

  /**
   * Asks the trigger for a send, within `timeouts.stepMs`. The trigger's signal stays open after it
   * answers, until the send is closed, so the provider can keep watching delivery reports.
   */
  async send(): Promise<Sent> {
    const { clock } = this.context;
    const scope = new Scope(this.context.signal);
    const startedAt = clock.now();
    const startedAtWall = clock.wallNow();
    this.context.lease.noteSend();
    try {
      const result = await this.#bounded(scope, this.spec.timeouts.stepMs, (signal) =>
        this.providers.trigger.send({ number: this.spec.number, signal }),
      );
      return { startedAt, startedAtWall, acceptedAt: clock.now(), result, close: () => scope.close() };
    } catch (error) {
      scope.close();
      throw error;
    }
  }

  /**
   * Throws what a failed send means for the journey: a throttle (`trigger_rate_limited`) while messages
   * that no send of ours explains had just reached the number is someone else's send meeting the app's
   * resend window (see throttleEvidence): `number_contention`, not the app's fault.
   */
  async judgeSendFailure(error: unknown, requested: { readonly at: number; readonly wall: Date }): Promise<never> {
    if (!(error instanceof StageError && error.reason === 'trigger_rate_limited')) throw error;
    const unexplained = await throttleEvidence(this.spec, this.providers.inbox, this.context, requested.at, requested.wall);
    if (unexplained === 0) throw error;
    throw new StageError(
      'number_contention',
      `the app throttled the send (${error.message}), but ${unexplained} message(s) with codes no send of this process explains had just reached the number: another process is using it`,
      { cause: error, ...(error.details.providerCode !== undefined && { providerCode: error.details.providerCode }) },
    );
  }

  /**
   * Cancels a send that will not be verified (TriggerResult.release), within `timeouts.stepMs`. Runs
   * even when the run was cancelled, since the pending send outlives it otherwise. Never throws.
   */
  async release(sent: Sent): Promise<void> {
    const { result } = sent;
    const release = result.release?.bind(result);
    if (release === undefined) return;
    const scope = new Scope();
    try {
      await this.#bounded(scope, this.spec.timeouts.stepMs, release);
    } catch {
      // Best effort: an uncancelled send only expires on the provider's own schedule.
    } finally {
      scope.close();
    }
  }

  /**
   * Waits, within `timeouts.deliveryMs` of the send being accepted, for an SMS received since the
   * request went out — not since it was answered: a fast carrier can beat a slow send API, and under
   * the lease nothing else can be texting the number meanwhile. A delivery report saying the message
   * failed ends the wait early. Closes the send.
   *
   * Messages whose code was already used are passed over and the wait goes on: carriers deliver late
   * second copies, and a copy of the previous run's SMS landing after this trigger would otherwise be
   * taken, its spent code submitted and refused — and this run's own SMS would then land in the next
   * run, and so on down the line. `settled` are messages the run already accounted for before its
   * send (see awaitOwedSms): never its own.
   */
  async receive(sent: Sent, settled: ReadonlySet<string> = new Set()): Promise<Delivery> {
    const scope = new Scope(this.context.signal);
    const passedOver = new Set<string>();
    const seen = new Set<string>();
    const ignore = () => new Set([...settled, ...passedOver]);
    const codes = new Set<string>();
    const query = { number: this.spec.number, since: sent.startedAt, sinceWallClock: sent.startedAtWall, ...this.#unexpectedAfter() };
    const failed = undelivered(sent.result.deliveryFailure);
    try {
      return await this.#bounded(
        scope,
        this.spec.timeouts.deliveryMs,
        async (signal) => {
          for (;;) {
            const inbox = await Promise.race([
              this.providers.inbox.waitForSms({ ...query, signal, ...(settled.size + passedOver.size > 0 && { ignore: ignore() }) }),
              failed,
            ]);
            if (inbox.messages.length === 0) throw new Error(`the ${this.providers.inbox.type} inbox answered with no message`);
            const candidates: InboundSms[] = [];
            for (const sms of inbox.messages) {
              seen.add(sms.id);
              const code = codeOf(sms, this.spec);
              if (this.#alreadyUsed(code)) {
                passedOver.add(sms.id);
                continue;
              }
              candidates.push(sms);
              if (code !== undefined) codes.add(code);
            }
            const message = newest(candidates);
            if (message !== undefined) {
              const foreign = codes.size > 1 && this.context.lease.outstanding.length === 0;
              return { message, received: candidates.length, passedOver: passedOver.size, staleIgnored: inbox.staleIgnored, foreign, seen };
            }
          }
        },
        () => `no SMS within ${formatSeconds(this.spec.timeouts.deliveryMs / 1000)}${passedOver.size === 0 ? '' : `, only ${passedOver.size} carrying a code already used`}`,
      );
    } finally {
      scope.close();
      sent.close();
    }
  }

  extract(message: InboundSms): Extracted {
    const extraction = extractOtp(message.body, this.spec.extract);
    if (extraction.code === undefined) {
      throw new StageError('code_not_found', `no code found in the ${message.body.length}-character message`);
    }
    this.#read.add(extraction.code);
    return { code: extraction.code, ambiguous: extraction.ambiguous };
  }

  /** Remembers on the number's lease that `code`, read by these steps, can no longer be anyone's. */
  retire(code: string): void {
    if (this.#read.has(code)) this.context.lease.markUsed(code);
  }

  /**
   * Submits the code read from the run's SMS; if the app refuses it, looks at what else reached the
   * number before blaming the app (see refusalEvidence): a newer SMS gets a second attempt, where the
   * policy allows one, and codes no send of this process explains make the refusal `number_contention`
   * (origin probe). `timed` gets each submission's duration; the last one stands.
   */
  async verify(sent: Sent, delivery: Delivery, code: string, timed: (ms: number) => void): Promise<Verified> {
    const submit = async (attempt: string) => {
      const start = this.context.clock.now();
      try {
        await this.submit(attempt);
      } finally {
        timed(this.context.clock.now() - start);
      }
    };
    try {
      await submit(code);
      return { code, warnings: [] };
    } catch (error) {
      if (!isRefusal(error)) throw error;
      const deliverMs = Math.max(0, delivery.message.receivedAt - sent.acceptedAt);
      const evidence = await refusalEvidence(this.spec, this.providers.inbox, this.context, {
        sentAt: sent.startedAt,
        sentAtWall: sent.startedAtWall,
        message: delivery.message,
        seen: delivery.seen,
        deliverMs,
      });
      let refusal: StageError = error;
      if (evidence.newer !== undefined && this.spec.policy.maxAttempts >= 2) {
        this.#read.add(evidence.newer.code);
        try {
          await submit(evidence.newer.code);
          // With no earlier send of ours in flight, the other code came from someone else's send.
          return { code: evidence.newer.code, warnings: evidence.owed === 0 ? ['code_retried', 'foreign_sms'] : ['code_retried'] };
        } catch (second) {
          if (!isRefusal(second)) throw second;
          refusal = second;
        }
      }
      if (evidence.unexplained === 0 && evidence.owed === 0) throw refusal;
      throw new StageError('number_contention', contentionDetail(refusal, evidence), { cause: refusal });
    }
  }

  /** Submits a code within `timeouts.stepMs`; resolves when it was accepted. */
  async submit(code: string): Promise<void> {
    // Spent from here on, whatever the answer: refused, accepted, or lost on the way.
    this.retire(code);
    const scope = new Scope(this.context.signal);
    try {
      await this.#bounded(scope, this.spec.timeouts.stepMs, (signal) =>
        this.providers.verifier.verify({ number: this.spec.number, code, signal }),
      );
    } finally {
      scope.close();
    }
  }

  /**
   * From when a message before the trigger was unexpected: the number's previous release, on both
   * clocks. Nothing for the number's first run here, which then counts every earlier message: it cannot
   * tell which of them some run awaited.
   */
  #unexpectedAfter(): { unexpectedAfter: number; unexpectedAfterWallClock: Date } | undefined {
    const { clock, lease } = this.context;
    const releasedAt = lease.previousReleaseAt;
    if (releasedAt === undefined) return undefined;
    const now = clock.now();
    return { unexpectedAfter: releasedAt, unexpectedAfterWallClock: new Date(clock.wallNow().getTime() - (now - releasedAt)) };
  }

  /**
   * Whether a message's code was already used on this number: one an earlier run submitted, or
   * one these steps read before (a control that resends wants the new code, not a copy of the old).
   *
   * Only codes an earlier run retired count (submitted, or read past their TTL), not those it merely
   * saw: some OTP systems resend the same code while it is still valid, so a live code an earlier run
   * saw but never submitted (it was cancelled) may well be this run's own SMS. A retired code is spent
   * or dead, so a message carrying it after this trigger is a late copy. The price: a late copy of a
   * live code never submitted is still taken, and a fresh code that happens to equal a remembered one
   * is passed over (the lease remembers few codes, for minutes, to keep those odds small).
   */
  #alreadyUsed(code: string | undefined): boolean {
    return code !== undefined && (this.context.lease.usedCodes.has(code) || this.#read.has(code));
  }

  #bounded<T>(scope: Scope, limitMs: number, work: (signal: AbortSignal) => Promise<T>, timeoutDetail = () => `no answer within ${formatSeconds(limitMs / 1000)}`): Promise<T> {
    return within(scope, limitMs, this.context.sleep, () => new Interruption('timeout', timeoutDetail()), work);
  }
}

// ---------------------------------------------------------------------------------------------------
// Failures: one reason each.

export interface Failure {
  readonly reason: FailureReason;
  /** Not yet masked. */
  readonly detail: string;
  readonly providerCode?: string;
  readonly cancelled?: boolean;
}

/** What a stage running out of time means, stage by stage. */
const TIMEOUT_REASONS: Record<Stage, FailureReason> = {
  trigger: 'trigger_error',
  deliver: 'sms_not_received',
  extract: 'internal_error',
  verify: 'verify_error',
};

/** Maps whatever ended `stage` onto exactly one reason. */
export function failureOf(error: unknown, stage: Stage): Failure {
  if (error instanceof Interruption && error.kind === 'cancelled') {
    return { reason: 'internal_error', detail: `cancelled during ${stage}: ${error.message}`, cancelled: true };
  }
  if (error instanceof Interruption && error.kind === 'timeout') return { reason: TIMEOUT_REASONS[stage], detail: error.message };
  if (error instanceof StageError) {
    return { reason: error.reason, detail: error.message, ...(error.details.providerCode !== undefined && { providerCode: error.details.providerCode }) };
  }
  return { reason: 'internal_error', detail: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
}

/** A send that was accepted, or may have been (the request timed out or was cut off), whose SMS did not reach the run. */
function mayStillLand(failure: Failure, stage: Stage, error: unknown): boolean {
  if (stage === 'trigger') return error instanceof Interruption;
  return stage === 'deliver' && failure.reason !== 'sms_undelivered';
}

/** The app's answers that say the code is wrong, as opposed to the app failing. */
function isRefusal(error: unknown): error is StageError {
  return error instanceof StageError && (error.reason === 'code_rejected' || error.reason === 'code_expired');
}

function contentionDetail(refusal: StageError, evidence: { readonly unexplained: number; readonly owed: number }): string {
  const why = [
    ...(evidence.unexplained > 0 ? [`${evidence.unexplained} message(s) to the number carried codes no send of this run or its predecessors explains (another process may be using the number)`] : []),
    ...(evidence.owed > 0 ? [`${evidence.owed} earlier send(s) to the number never reached their run and may have landed in this one`] : []),
  ];
  return `the app refused the code (${refusal.reason}: ${refusal.message}), but ${why.join('; and ')}, so the refused code may not have been this run's`;
}

/** Reasons that belong to one stage carry it; `any` reasons take the stage they happened in. */
function stageOf(reason: FailureReason, current: Stage): Stage {
  const stage = FAILURE_REASONS[reason].stage;
  return stage === 'any' ? current : stage;
}

/** The forms a phone number can take in provider messages, for redact(). */
export function secretsOf(number: string): string[] {
  const digits = number.replace(/^\+/, '');
  return [number, encodeURIComponent(number), digits];
}

/** A delivery report of failure, as the error that ends the wait; a report that never comes, never. */
function undelivered(report: Promise<DeliveryFailure> | undefined): Promise<never> {
  const never = new Promise<never>(() => {});
  if (report === undefined) return never;
  return report.then(
    (failure) => {
      throw new StageError(
        'sms_undelivered',
        `the provider reported the message ${failure.status}${failure.errorCode === undefined ? '' : ` (error ${failure.errorCode})`}`,
        failure.errorCode === undefined ? {} : { providerCode: failure.errorCode },
      );
    },
    () => never,
  );
}

// ---------------------------------------------------------------------------------------------------
// Small helpers.

async function timed<T>(clock: Clock, store: (ms: number) => void, work: () => Promise<T>): Promise<T> {
  const start = clock.now();
  try {
    return await work();
  } finally {
    store(clock.now() - start);
  }
}

/** The last received; on a tie, the one the inbox listed last. */
function newest(messages: readonly InboundSms[]): InboundSms | undefined {
  return messages.reduce<InboundSms | undefined>((best, message) => (best === undefined || message.receivedAt >= best.receivedAt ? message : best), undefined);
}

/** Clocks disagree when the provider says it received the message before we sent it, or after we saw it. */
const CLOCK_SKEW_TOLERANCE_MS = 1000;

function deliveryWarnings(delivery: Delivery, sent: Sent, startedAt: number, startedAtWall: Date): Warning[] {
  const warnings: Warning[] = [];
  if (delivery.received + delivery.passedOver > 1) warnings.push('duplicate_sms');
  if (delivery.staleIgnored > 0) warnings.push('stale_messages_ignored');
  if (delivery.foreign) warnings.push('foreign_sms');
  const theirs = delivery.message.providerReceivedAt?.getTime();
  if (theirs !== undefined) {
    const wallAt = (monotonic: number) => startedAtWall.getTime() + (monotonic - startedAt);
    const earliest = wallAt(sent.startedAt) - CLOCK_SKEW_TOLERANCE_MS;
    const latest = wallAt(delivery.message.receivedAt) + CLOCK_SKEW_TOLERANCE_MS;
    if (theirs < earliest || theirs > latest) warnings.push('provider_clock_skew');
  }
  return warnings;
}

