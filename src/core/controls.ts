// Anti-abuse controls: small journeys that expect a refusal. Each holds the number's lease for its
// whole length and ends `passed` (the system defended itself), `violated` (it did not), or
// `inconclusive` (the setup failed, or the answers cannot tell): never a guess either way.

import { keepToResendWindow } from './attribution.js';
import { cancellable, systemSleep, type Sleep } from './deadlines.js';
import { failureOf, JourneySteps, secretsOf, type Sent, type StepsContext } from './journey.js';
import { leaseFor, type HeldLease, type LeaseSource } from './lease.js';
import { scrub } from './mask.js';
import type { ControlName, ControlStatus, FailureReason, Stage } from './outcome.js';
import { systemClock, type CheckProviders, type Clock } from './providers.js';
import { formatSeconds } from './seconds.js';
import type { CheckSpec, ControlRecord } from './types.js';

export interface ControlOptions extends LeaseSource {
  readonly clock?: Clock;
  /** Times the deliberate waits (resend window, TTL) as well as the deadlines; follows `clock`. */
  readonly sleep?: Sleep;
  /** Cancels the control; it ends `inconclusive`. */
  readonly signal?: AbortSignal;
  /** How many identical submissions concurrent_verify_once fires at once. */
  readonly concurrentSubmits?: number;
}

const DEFAULT_CONCURRENT_SUBMITS = 5;

/** Past the TTL, how much longer code_expires waits: OTP stores often keep expiries to whole seconds. */
export const EXPIRY_MARGIN_MS = 2_000;

/** Never throws: setup failures, errors and cancellation all end in an `inconclusive` record. */
export async function runControl(control: ControlName, spec: CheckSpec, providers: CheckProviders, options: ControlOptions = {}): Promise<ControlRecord> {
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleep;
  const startedAt = clock.now();
  const startedAtWall = clock.wallNow();
  const root = cancellable(options.signal);
  let held: HeldLease | undefined;
  let session: ControlSession | undefined;

  const record = ({ status, detail }: Verdict): ControlRecord => ({
    check: spec.name,
    location: spec.location,
    control,
    status,
    startedAt: startedAtWall.toISOString(),
    durationMs: clock.now() - startedAt,
    detail: scrub(detail, [...secretsOf(spec.number), ...(session?.codes ?? [])]),
  });

  try {
    held = await leaseFor(spec.number, options, { signal: root.signal, waitMs: spec.timeouts.totalMs });
    const context = { clock, sleep, signal: root.signal, lease: held.lease };
    // A control's first send must not meet the throttle of the number's previous send: that is no defence under test.
    await keepToResendWindow(spec, context);
    session = new ControlSession(spec, providers, context);
    return record(await PROBES[control](session, options));
  } catch (error) {
    const stage = session?.stage ?? 'trigger';
    const failure = failureOf(error, stage);
    const detail = failure.cancelled ? failure.detail : `the ${stage} step failed with ${failure.reason}: ${failure.detail}`;
    return record({ status: 'inconclusive', detail });
  } finally {
    // After the record is made, and before the next run gets the number.
    await session?.releaseUnverified();
    held?.release();
    root.close();
  }
}

interface Verdict {
  readonly status: ControlStatus;
  readonly detail: string;
}

const passed = (detail: string): Verdict => ({ status: 'passed', detail });
const violated = (detail: string): Verdict => ({ status: 'violated', detail });
const inconclusive = (detail: string): Verdict => ({ status: 'inconclusive', detail });

/** Answers in which the OTP system refused a code, as opposed to failing to answer. */
const REFUSALS: ReadonlySet<FailureReason> = new Set(['code_rejected', 'code_expired', 'verify_rate_limited']);

const refused = (refusal: Refusal): boolean => REFUSALS.has(refusal.reason);

const told = (refusal: Refusal) => `${refusal.reason}: ${refusal.detail}`;

const PROBES: Record<ControlName, (session: ControlSession, options: ControlOptions) => Promise<Verdict>> = {
  async wrong_code_rejected(session) {
    const code = await session.freshCode();
    const wrong = await session.attempt(session.wrongCode(code, 1));
    if (wrong.accepted) return violated('a wrong code of the right length was accepted');
    if (wrong.reason !== 'code_rejected') return inconclusive(`the wrong code got ${told(wrong)}, not code_rejected`);
    const right = await session.attempt(code);
    if (!right.accepted) return inconclusive(`the wrong code was refused, but so was the right one afterwards (${told(right)}), so the refusal proves nothing`);
    return passed('a wrong code was refused with code_rejected, and the right code was accepted afterwards');
  },

  async max_attempts_lockout(session) {
    const { maxAttempts } = session.spec.policy;
    const code = await session.freshCode();
    for (let n = 1; n <= maxAttempts; n += 1) {
      const wrong = await session.attempt(session.wrongCode(code, n));
      if (wrong.accepted) return violated(`wrong code ${n} of ${maxAttempts} was accepted`);
      if (!refused(wrong)) return inconclusive(`wrong code ${n} of ${maxAttempts} got no refusal but ${told(wrong)}`);
    }
    const right = await session.attempt(code);
    if (right.accepted) return violated(`after ${maxAttempts} wrong codes the right code was still accepted`);
    if (!refused(right)) return inconclusive(`after ${maxAttempts} wrong codes the right code got no refusal but ${told(right)}`);
    return passed(`after ${maxAttempts} wrong codes the right code was refused (${right.reason})`);
  },

  async single_use(session) {
    const code = await session.freshCode();
    const first = await session.attempt(code);
    if (!first.accepted) return inconclusive(`the code was not accepted the first time (${told(first)})`);
    const second = await session.attempt(code);
    if (second.accepted) return violated('a code that had verified was accepted a second time');
    if (!refused(second)) return inconclusive(`the second use got no refusal but ${told(second)}`);
    return passed(`a code that had verified was refused the second time (${second.reason})`);
  },

  async resend_invalidates_previous(session) {
    const earlier = await session.freshCode();
    // Past the resend window, so the resend itself is not throttled.
    await session.wait(session.spec.policy.resendWindowMs);
    // A different code: freshCode passes over messages carrying one the session already read, whether a
    // late copy of the first SMS or a resend of the same code (that ends inconclusive, in delivery).
    const later = await session.freshCode();
    const old = await session.attempt(earlier);
    if (old.accepted) return violated('after a resend the earlier code was still accepted');
    if (!refused(old)) return inconclusive(`after a resend the earlier code got no refusal but ${told(old)}`);
    const fresh = await session.attempt(later);
    if (!fresh.accepted) return inconclusive(`the earlier code was refused, but so was the new one (${told(fresh)}), so the refusal proves nothing`);
    return passed(`after a resend the earlier code was refused (${old.reason}) and the new one accepted`);
  },

  async resend_throttled(session) {
    const { resendWindowMs } = session.spec.policy;
    const first = await session.send();
    first.close();
    const second = await session.trySend();
    if (!second.accepted) {
      if (second.reason === 'trigger_rate_limited' || second.reason === 'trigger_rejected') return passed(`a resend inside the window was refused (${second.reason})`);
      return inconclusive(`the resend got no refusal but ${second.reason}: ${second.detail}`);
    }
    second.value.close();
    const apart = second.value.acceptedAt - first.startedAt;
    if (apart >= resendWindowMs) return inconclusive(`the two sends took ${formatSeconds(apart / 1000)}, longer than the ${formatSeconds(resendWindowMs / 1000)} window, so the resend was allowed`);
    return violated(`a resend within ${formatSeconds(apart / 1000)} of the first send was accepted, inside the ${formatSeconds(resendWindowMs / 1000)} window`);
  },

  async code_expires(session) {
    const { ttlMs } = session.spec.policy;
    const code = await session.freshCode();
    await session.wait(ttlMs + EXPIRY_MARGIN_MS);
    const late = await session.attempt(code);
    const age = `${formatSeconds((ttlMs + EXPIRY_MARGIN_MS) / 1000)} after it arrived (TTL ${formatSeconds(ttlMs / 1000)})`;
    if (late.accepted) return violated(`the code was accepted ${age}`);
    if (late.reason !== 'code_expired' && late.reason !== 'code_rejected') return inconclusive(`the code got no expiry but ${told(late)} ${age}`);
    return passed(`the code was refused (${late.reason}) ${age}`);
  },

  async concurrent_verify_once(session, options) {
    const submits = options.concurrentSubmits ?? DEFAULT_CONCURRENT_SUBMITS;
    const code = await session.freshCode();
    const attempts = await Promise.all(Array.from({ length: submits }, () => session.attempt(code)));
    const accepted = attempts.filter((attempt) => attempt.accepted).length;
    const unanswered = attempts.filter((attempt) => !attempt.accepted && !refused(attempt)).length;
    if (accepted > 1) return violated(`${accepted} of ${submits} simultaneous submissions of one code were accepted`);
    if (accepted === 0) return inconclusive(`none of ${submits} simultaneous submissions of the code was accepted`);
    if (unanswered > 0) return inconclusive(`one of ${submits} simultaneous submissions was accepted, but ${unanswered} got no refusal`);
    return passed(`exactly one of ${submits} simultaneous submissions of one code was accepted; the others were refused`);
  },
};

/** A control's provider calls, with the stage it is in (for `inconclusive` details) and every code it saw (to mask them). */
class ControlSession {
  stage: Stage = 'trigger';
  readonly codes = new Set<string>();
  readonly #steps: JourneySteps;
  /** Sends none of whose codes was accepted: still pending at the provider. */
  readonly #unverified = new Set<Sent>();
  /** The send each code read from an SMS came with. */
  readonly #sendOf = new Map<string, Sent>();

  constructor(
    readonly spec: CheckSpec,
    providers: CheckProviders,
    private readonly context: StepsContext,
  ) {
    this.#steps = new JourneySteps(spec, providers, context);
  }

  async send(): Promise<Sent> {
    this.stage = 'trigger';
    const sent = await this.#steps.send();
    this.#unverified.add(sent);
    return sent;
  }

  /** A send whose refusal is an answer, not a failed setup. */
  trySend(): Promise<Answer<Sent>> {
    return answerOf('trigger', () => this.send());
  }

  /** Sends, and reads the code from the SMS that send produced. */
  async freshCode(): Promise<string> {
    const sent = await this.send();
    this.stage = 'deliver';
    const delivery = await this.#steps.receive(sent);
    this.stage = 'extract';
    const { code } = this.#steps.extract(delivery.message);
    this.codes.add(code);
    this.#sendOf.set(code, sent);
    return code;
  }

  async attempt(code: string): Promise<Answer<void>> {
    this.stage = 'verify';
    const answer = await answerOf('verify', () => this.#steps.submit(code));
    const sent = this.#sendOf.get(code);
    if (answer.accepted && sent !== undefined) this.#unverified.delete(sent);
    return answer;
  }

  /** Cancels every send the control leaves pending (see JourneySteps.release); never throws. */
  async releaseUnverified(): Promise<void> {
    const pending = [...this.#unverified];
    this.#unverified.clear();
    await Promise.all(pending.map((sent) => this.#steps.release(sent)));
  }

  /** The n-th code that differs from `code` but has its shape: same length, digits for digits, letters for letters. */
  wrongCode(code: string, n: number): string {
    const wrong = offsetCode(code, n);
    this.codes.add(wrong);
    return wrong;
  }

  async wait(ms: number): Promise<void> {
    const { sleep, signal } = this.context;
    try {
      await sleep(ms, signal);
    } catch (error) {
      signal.throwIfAborted();
      throw error;
    }
  }
}

type Answer<T> = { readonly accepted: true; readonly value: T } | Refusal;
interface Refusal {
  readonly accepted: false;
  readonly reason: FailureReason;
  readonly detail: string;
}

/** What the far side answered; cancellation and our own errors are not answers and propagate. */
async function answerOf<T>(stage: Stage, call: () => Promise<T>): Promise<Answer<T>> {
  try {
    return { accepted: true, value: await call() };
  } catch (error) {
    const failure = failureOf(error, stage);
    if (failure.cancelled || failure.reason === 'internal_error') throw error;
    return { accepted: false, reason: failure.reason, detail: failure.detail };
  }
}

const ALPHABETS = ['0123456789', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'];

/** Adds `n` to the code read as a number whose digits are its characters, each in its own alphabet. */
function offsetCode(code: string, n: number): string {
  const chars = Array.from(code); // by code point: a digit outside the BMP is one character
  let carry = n;
  for (let i = chars.length - 1; i >= 0 && carry > 0; i -= 1) {
    const char = chars[i] ?? '';
    const alphabet = ALPHABETS.find((letters) => letters.includes(char));
    if (alphabet === undefined) continue;
    const value = alphabet.indexOf(char) + carry;
    chars[i] = alphabet[value % alphabet.length] ?? char;
    carry = Math.floor(value / alphabet.length);
  }
  return chars.join('');
}
