// An in-memory world for the journey engine: a fake clock that moves only when told, an OTP service
// with every anti-abuse control (each weakenable), a carrier with delay, loss, duplicates and failure
// reports, and the trigger, inbox and verifier that reach them through the core's interfaces.

import { StageError } from '../../src/core/outcome.js';
import type {
  CheckProviders,
  Clock,
  DeliveryFailure,
  InboundSms,
  Inbox,
  InboxQuery,
  InboxResult,
  StageContext,
  Trigger,
  TriggerResult,
  Verifier,
  VerifyContext,
} from '../../src/core/providers.js';
import type { Sleep } from '../../src/core/deadlines.js';
import type { CheckSpec } from '../../src/core/types.js';
import type { WeakenableControl } from '../../src/sandbox/options.js';

export const TEST_NUMBER = '+15555550100';

export function checkSpec(overrides: Partial<CheckSpec> = {}): CheckSpec {
  return {
    name: 'signup-us',
    number: TEST_NUMBER,
    location: 'test',
    extract: {},
    timeouts: { deliveryMs: 60_000, totalMs: 120_000, stepMs: 10_000 },
    degradedAfterMs: 20_000,
    policy: { ttlMs: 300_000, resendWindowMs: 30_000, maxAttempts: 3 },
    controls: [],
    ...overrides,
  };
}

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fire: () => void;
}

/** Monotonic time that stands still until a test advances it; `sleep` waits on it. */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #timers: Timer[] = [];

  constructor(private readonly wallOrigin = Date.UTC(2026, 0, 1, 12)) {}

  now(): number {
    return this.#now;
  }

  wallNow(): Date {
    return new Date(this.wallOrigin + this.#now);
  }

  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      signal?.throwIfAborted();
      const onAbort = () => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        reject(signal?.reason);
      };
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        fire: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      this.#timers.push(timer);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing the timers that fall due, in order, letting each one's work run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await settleMicrotasks();
    for (let next = this.#next(); next !== undefined && next.at <= target; next = this.#next()) {
      this.#fire(next);
      await settleMicrotasks();
    }
    this.#now = target;
  }

  /**
   * Drives `work` to its end: lets everything runnable run, then jumps to the next timer, and so on.
   * Fails loudly instead of hanging when `work` waits for something no timer will ever bring.
   */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false as boolean; // set by the callbacks below, which the type checker does not follow
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      await settleMicrotasks();
      if (settled) return work;
      const next = this.#next();
      if (next === undefined) throw new Error(`stuck at t=${this.#now} ms: the work waits for something no timer will bring`);
      this.#fire(next);
    }
  }

  #next(): Timer | undefined {
    return this.#timers.reduce<Timer | undefined>((a, b) => (a === undefined || b.at < a.at || (b.at === a.at && b.seq < a.seq) ? b : a), undefined);
  }

  #fire(timer: Timer): void {
    this.#timers = this.#timers.filter((t) => t !== timer);
    this.#now = Math.max(this.#now, timer.at);
    timer.fire();
  }
}

/** Every promise reaction queued so far (and those they queue) has run once this resolves. */
export function settleMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A receiving number's inbox, implementing Inbox faithfully: `since`, `unexpectedAfter` and `ignore` filtering, waiting, aborting. */
export class FakeInbox implements Inbox {
  readonly type = 'fake';
  readonly messages: InboundSms[] = [];
  readonly queries: InboxQuery[] = [];
  /** When set, waitForSms fails with it (the receiving provider's API is down). */
  failure: StageError | undefined;
  #ids = 0;
  #listeners = new Set<() => void>();

  constructor(private readonly clock: Clock) {}

  deliver(to: string, body: string, extra: { providerReceivedAt?: Date } = {}): InboundSms {
    const message: InboundSms = { id: `SM${++this.#ids}`, to, body, receivedAt: this.clock.now(), ...extra };
    this.messages.push(message);
    // Waiters look once the current instant's deliveries are all in, as a poll would see them.
    queueMicrotask(() => {
      for (const listener of [...this.#listeners]) listener();
    });
    return message;
  }

  waitForSms(query: InboxQuery): Promise<InboxResult> {
    this.queries.push(query);
    return new Promise<InboxResult>((resolve, reject) => {
      const check = () => {
        const failure = this.failure;
        if (failure) return finish(() => reject(failure));
        const mine = this.messages.filter((m) => m.to === query.number);
        const fresh = mine.filter((m) => m.receivedAt >= query.since);
        const wanted = fresh.filter((m) => !query.ignore?.has(m.id));
        const stale = mine.filter((m) => m.receivedAt < query.since && m.receivedAt >= (query.unexpectedAfter ?? -Infinity));
        if (wanted.length > 0) finish(() => resolve({ messages: wanted, staleIgnored: stale.length }));
      };
      const onAbort = () => finish(() => reject(query.signal.reason));
      const finish = (settle: () => void) => {
        this.#listeners.delete(check);
        query.signal.removeEventListener('abort', onAbort);
        settle();
      };
      if (query.signal.aborted) return onAbort();
      this.#listeners.add(check);
      query.signal.addEventListener('abort', onAbort, { once: true });
      check();
    });
  }

  /** Waits still in progress: zero once every run has let go of the inbox. */
  get waiting(): number {
    return this.#listeners.size;
  }
}

export interface OtpServiceOptions {
  readonly ttlMs: number;
  readonly resendWindowMs: number;
  readonly maxAttempts: number;
  readonly template: string;
  readonly weaken: readonly WeakenableControl[];
  /** A resend texts the pending code again, while unused and within its TTL, as some OTP systems do. */
  readonly resendSameCode: boolean;
}

export interface CarrierBehaviour {
  readonly delayMs: number;
  /** The SMS never arrives and nobody says so. */
  readonly lose: boolean;
  /** The carrier reports the SMS undelivered with this error code after the delay. */
  readonly undeliveredCode: string | undefined;
  /** The SMS arrives twice, the second copy `duplicateGapMs` after the first (0: both at once). */
  readonly duplicate: boolean;
  readonly duplicateGapMs: number;
  readonly providerClockOffsetMs: number | undefined;
}

interface IssuedCode {
  readonly code: string;
  readonly issuedAt: number;
  used: boolean;
  superseded: boolean;
}

/**
 * The app under test: issues a code per send and texts it through the carrier; verifies with a TTL,
 * a resend window, max attempts and single use — each of which can be weakened.
 */
export class FakeOtpService {
  readonly options: OtpServiceOptions;
  carrier: CarrierBehaviour;
  readonly issued: IssuedCode[] = [];
  #lastSendAt: number | undefined;
  #failedAttempts = 0;

  constructor(
    private readonly clock: FakeClock,
    private readonly inbox: FakeInbox,
    options: Partial<OtpServiceOptions> = {},
    carrier: Partial<CarrierBehaviour> = {},
  ) {
    this.options = { ttlMs: 300_000, resendWindowMs: 30_000, maxAttempts: 3, template: 'Your code is {{code}}', weaken: [], resendSameCode: false, ...options };
    this.carrier = { delayMs: 2_000, lose: false, undeliveredCode: undefined, duplicate: false, duplicateGapMs: 0, providerClockOffsetMs: undefined, ...carrier };
  }

  send(number: string): TriggerResult {
    const now = this.clock.now();
    if (this.#lastSendAt !== undefined && now - this.#lastSendAt < this.options.resendWindowMs && !this.#weak('resend_throttled')) {
      throw new StageError('trigger_rate_limited', 'too many sends to this number; retry later', { status: 429, providerCode: '60203' });
    }
    this.#lastSendAt = now;
    const pending = this.issued.at(-1);
    const sameCode = this.options.resendSameCode && pending !== undefined && !pending.used && !pending.superseded && now - pending.issuedAt <= this.options.ttlMs;
    if (!sameCode) {
      if (!this.#weak('resend_invalidates_previous')) for (const earlier of this.issued) earlier.superseded = true;
      this.issued.push({ code: codeNumber(nextCodeIndex(this.clock)), issuedAt: now, used: false, superseded: false });
    }
    const { code } = this.issued.at(-1)!;
    return { reference: `VE${this.issued.length}`, ...this.#carry(number, this.options.template.replace('{{code}}', code)) };
  }

  async verify(number: string, code: string): Promise<void> {
    if (this.#failedAttempts >= this.options.maxAttempts && !this.#weak('max_attempts_lockout')) {
      throw new StageError('verify_rate_limited', 'max check attempts reached', { status: 429, providerCode: '60202' });
    }
    const match = this.issued.find((c) => c.code === code && !c.superseded) ?? (this.#weak('wrong_code_rejected') ? this.issued.at(-1) : undefined);
    if (match === undefined) {
      this.#failedAttempts += 1;
      throw new StageError('code_rejected', `invalid code ${code} for ${number}`, { status: 400 });
    }
    if (this.clock.now() - match.issuedAt > this.options.ttlMs && !this.#weak('code_expires')) {
      throw new StageError('code_expired', 'the code has expired', { status: 410 });
    }
    if (match.used && !this.#weak('single_use')) throw new StageError('code_rejected', 'the code was already used', { status: 400 });
    // The weak service reads, then writes a millisecond later: concurrent submits all pass the read.
    if (this.#weak('concurrent_verify_once')) await this.clock.sleep(1);
    match.used = true;
  }

  #carry(number: string, body: string): Pick<TriggerResult, 'deliveryFailure'> {
    const { delayMs, lose, undeliveredCode, duplicate, duplicateGapMs, providerClockOffsetMs } = this.carrier;
    if (lose) return {};
    const arrival = this.clock.sleep(delayMs);
    if (undeliveredCode !== undefined) {
      return { deliveryFailure: arrival.then((): DeliveryFailure => ({ status: 'undelivered', errorCode: undeliveredCode })) };
    }
    const providerReceivedAt = () => (providerClockOffsetMs === undefined ? {} : { providerReceivedAt: new Date(this.clock.wallNow().getTime() + providerClockOffsetMs) });
    const copy = () => this.inbox.deliver(number, body, providerReceivedAt());
    void arrival.then(() => {
      copy();
      if (!duplicate) return;
      if (duplicateGapMs === 0) copy();
      else void this.clock.sleep(duplicateGapMs).then(copy);
    });
    return {};
  }

  #weak(control: WeakenableControl): boolean {
    return this.options.weaken.includes(control);
  }
}

/** Distinct six-digit codes, the n-th always the same. */
export function codeNumber(n: number): string {
  return String((123_457 * (n + 1)) % 1_000_000).padStart(6, '0');
}

/**
 * Services on one clock are apps side by side in one test (two checks on one number, say): like
 * independent OTP systems, they never issue the same code, so they share one sequence.
 */
const codesIssued = new WeakMap<FakeClock, number>();

function nextCodeIndex(clock: FakeClock): number {
  const n = codesIssued.get(clock) ?? 0;
  codesIssued.set(clock, n + 1);
  return n;
}

/** How a fake provider call behaves besides its answer. */
export interface CallBehaviour {
  latencyMs: number;
  /** Thrown instead of answering. */
  failWith: Error | undefined;
  /** Never answers; `ignoringAbort` also disregards the signal, like a provider with a bug. */
  hang: 'no' | 'honouringAbort' | 'ignoringAbort';
}

/** Resolves at once unless the behaviour is to hang: then never, or only by rejecting when aborted. */
function hangIfAsked(behaviour: CallBehaviour, signal: AbortSignal): Promise<void> {
  if (behaviour.hang === 'ignoringAbort') return new Promise<never>(() => {});
  if (behaviour.hang === 'honouringAbort') return new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
  return Promise.resolve();
}

export class FakeTrigger implements Trigger {
  readonly type = 'fake';
  readonly behaviour: CallBehaviour = { latencyMs: 300, failWith: undefined, hang: 'no' };
  /** How a send's release (its cancellation) behaves. */
  readonly releaseBehaviour: CallBehaviour = { latencyMs: 0, failWith: undefined, hang: 'no' };
  readonly signals: AbortSignal[] = [];
  sends = 0;
  /** Releases asked for: the reference of the send each one cancels, and the signal it was given. */
  readonly releases: { readonly reference: string | undefined; readonly signal: AbortSignal }[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly service: FakeOtpService,
  ) {}

  /** The service sends as the request reaches it; the answer then takes `latencyMs` to come back. */
  async send(ctx: StageContext): Promise<TriggerResult> {
    this.signals.push(ctx.signal);
    await hangIfAsked(this.behaviour, ctx.signal);
    const failure = this.behaviour.failWith;
    const result = failure ? undefined : this.service.send(ctx.number);
    await this.clock.sleep(this.behaviour.latencyMs, ctx.signal);
    if (failure) throw failure;
    if (result === undefined) throw new Error('unreachable: the service answered nothing');
    this.sends += 1;
    return { ...result, release: (signal) => this.#release(result.reference, signal) };
  }

  async #release(reference: string | undefined, signal: AbortSignal): Promise<void> {
    this.releases.push({ reference, signal });
    await hangIfAsked(this.releaseBehaviour, signal);
    await this.clock.sleep(this.releaseBehaviour.latencyMs, signal);
    if (this.releaseBehaviour.failWith) throw this.releaseBehaviour.failWith;
  }
}

export class FakeVerifier implements Verifier {
  readonly type = 'fake';
  readonly behaviour: CallBehaviour = { latencyMs: 200, failWith: undefined, hang: 'no' };
  readonly submitted: string[] = [];
  readonly signals: AbortSignal[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly service: FakeOtpService,
  ) {}

  async verify(ctx: VerifyContext): Promise<void> {
    this.submitted.push(ctx.code);
    this.signals.push(ctx.signal);
    await hangIfAsked(this.behaviour, ctx.signal);
    await this.clock.sleep(this.behaviour.latencyMs, ctx.signal);
    if (this.behaviour.failWith) throw this.behaviour.failWith;
    await this.service.verify(ctx.number, ctx.code);
  }
}

export interface FakeWorld {
  readonly clock: FakeClock;
  readonly inbox: FakeInbox;
  readonly service: FakeOtpService;
  readonly trigger: FakeTrigger;
  readonly verifier: FakeVerifier;
  readonly providers: CheckProviders;
}

export function fakeWorld(options: { otp?: Partial<OtpServiceOptions>; carrier?: Partial<CarrierBehaviour>; clock?: FakeClock } = {}): FakeWorld {
  const clock = options.clock ?? new FakeClock();
  const inbox = new FakeInbox(clock);
  const service = new FakeOtpService(clock, inbox, options.otp, options.carrier);
  const trigger = new FakeTrigger(clock, service);
  const verifier = new FakeVerifier(clock, service);
  return { clock, inbox, service, trigger, verifier, providers: { trigger, inbox, verifier } };
}
