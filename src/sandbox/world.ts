// The sandbox's world without its HTTP face: the OTP service hands codes to the carrier, the carrier
// delivers into the inbox (and pushes webhooks and status callbacks), and the ground truth records it
// all as it really happened.

import { instant, type Instant } from './clock.js';
import { Carrier, type CarrierPlan } from './carrier.js';
import { FaultInjector } from './faults.js';
import { FINAL_STATUSES, GroundTruthRecorder, type RequestStatus, type SendRecord } from './ground-truth.js';
import { InboxStore } from './inbox-store.js';
import type { SandboxOptions } from './options.js';
import { OtpService, type VerifyOutcome } from './otp-service.js';
import { ChangeFeed, type PendingWork } from './pending-work.js';
import { randomHex, randomStream, type Random } from './random.js';
import { inboundSmsParams, postTwilioForm, statusCallbackParams, type TwilioMessage } from './twilio-push.js';

/** The number the sandbox's SMS come from. */
export const SANDBOX_SENDER = '+15005550006';
const SANDBOX_ACCOUNT_SID = `AC${'0'.repeat(32)}`;

export type SendOutcome =
  | { readonly kind: 'accepted'; readonly requestId: string; readonly expiresInSeconds: number }
  | { readonly kind: 'blocked' }
  | { readonly kind: 'throttled'; readonly retryAfterSeconds: number };

export interface RequestState {
  readonly status: RequestStatus;
  readonly errorCode?: string;
}

interface TrackedRequest {
  readonly record: SendRecord;
  readonly acceptedAt: Instant;
  readonly message: TwilioMessage;
  readonly body: string;
  readonly statusCallback: string | undefined;
}

export class SandboxWorld {
  readonly truth = new GroundTruthRecorder();
  readonly inbox = new InboxStore();
  readonly faults: FaultInjector;
  readonly #service: OtpService;
  readonly #carrier: Carrier;
  readonly #ids: Random;
  readonly #requests = new Map<string, TrackedRequest>();
  readonly #statusFeed = new ChangeFeed();

  constructor(
    readonly options: SandboxOptions,
    private readonly work: PendingWork,
  ) {
    const stream = (name: string): Random => randomStream(options.seed, name);
    // Never seeded: message ids are what receivers remember to refuse replays, so a restarted seeded
    // sandbox must not repeat the ids its previous life already pushed.
    this.#ids = randomStream(undefined, 'ids');
    this.faults = new FaultInjector(options.faults, stream('faults'));
    this.#service = new OtpService(options.otp, stream('codes'), () => this.#sid('VE'));
    this.#carrier = new Carrier(options.carrier, stream('carrier'), work);
  }

  send(phone: string, statusCallback: string | undefined): SendOutcome {
    if (this.#carrier.isBlocked(phone)) {
      this.truth.recordRefusedSend(phone, 'blocked', instant());
      return { kind: 'blocked' };
    }
    const issued = this.#service.issue(phone);
    const acceptedAt = instant();
    if (issued.kind === 'throttled') {
      this.truth.recordRefusedSend(phone, 'throttled', acceptedAt);
      return issued;
    }
    const request: TrackedRequest = {
      acceptedAt,
      message: { sid: this.#sid('SM'), accountSid: SANDBOX_ACCOUNT_SID, from: SANDBOX_SENDER, to: phone },
      body: this.#service.smsBody(issued.code),
      statusCallback,
      record: this.truth.recordSend({
        requestId: issued.requestId, to: phone, code: issued.code, fate: 'delivered', acceptedAt: acceptedAt.iso,
        acceptedAtEpochMs: acceptedAt.epochMs, status: 'sent', errorCode: null, drawnDelayMs: null, trueDelayMs: null,
        deliveredAt: null, deliveredAtEpochMs: null, duplicateDelayMs: null,
      }),
    };
    this.#requests.set(issued.requestId, request);
    this.#statusCallback(request, 'sent');
    const plan: CarrierPlan = this.#carrier.carry({
      delivered: (copy) => this.#deliver(request, copy),
      undelivered: (errorCode) => this.#setStatus(request, 'undelivered', errorCode),
    });
    request.record.fate = plan.fate;
    request.record.drawnDelayMs = plan.delayMs;
    return { kind: 'accepted', requestId: issued.requestId, expiresInSeconds: issued.expiresInSeconds };
  }

  async verify(phone: string, code: string): Promise<VerifyOutcome> {
    const outcome = await this.#service.verify(phone, code);
    const at = instant();
    this.truth.recordVerification({ at: at.iso, atEpochMs: at.epochMs, to: phone, ...outcome });
    return outcome;
  }

  /** The request's status now, or once final when `waitMs` > 0; undefined for an unknown id. */
  async requestState(requestId: string, waitMs: number, signal: AbortSignal): Promise<RequestState | undefined> {
    const request = this.#requests.get(requestId);
    if (!request) return undefined;
    await this.#statusFeed.poll(() => (isFinal(request) ? true : undefined), waitMs, signal);
    const { status, errorCode } = request.record;
    return { status: status ?? 'queued', ...(errorCode !== null && { errorCode }) };
  }

  /** Forgets every send, code, message and record; deliveries not yet made are cancelled. */
  reset(): void {
    this.work.cancelScheduled();
    this.#service.clear();
    this.#requests.clear();
    this.inbox.clear();
    this.truth.clear();
  }

  #deliver(request: TrackedRequest, copy: 1 | 2): void {
    const at = instant();
    const delayMs = at.mono - request.acceptedAt.mono;
    const sms = { id: this.#sid('SM'), to: request.message.to, from: SANDBOX_SENDER, body: request.body, receivedAt: at.iso, receivedAtWallMs: at.wallMs };
    this.inbox.add(sms);
    this.#pushInboundSms({ ...request.message, sid: sms.id }, sms.body);
    this.truth.countDelivery();
    if (copy === 2) {
      request.record.duplicateDelayMs = delayMs;
      return;
    }
    request.record.trueDelayMs = delayMs;
    request.record.deliveredAt = at.iso;
    request.record.deliveredAtEpochMs = at.epochMs;
    this.#setStatus(request, 'delivered');
  }

  #setStatus(request: TrackedRequest, status: RequestStatus, errorCode?: string): void {
    request.record.status = status;
    if (errorCode !== undefined) request.record.errorCode = errorCode;
    this.#statusFeed.notify();
    this.#statusCallback(request, status, errorCode);
  }

  #pushInboundSms(message: TwilioMessage, body: string): void {
    const webhook = this.options.webhook;
    if (!webhook) return;
    this.#push('inbound_sms', webhook.url, message.sid, inboundSmsParams(message, body), webhook.authToken);
  }

  #statusCallback(request: TrackedRequest, status: RequestStatus, errorCode?: string): void {
    if (request.statusCallback === undefined) return;
    const params = statusCallbackParams(request.message, status, errorCode);
    this.#push('status_callback', request.statusCallback, request.message.sid, params, this.options.webhook?.authToken);
  }

  /** Starts a push in the background; its result, failure included, goes to the ground truth. */
  #push(kind: 'inbound_sms' | 'status_callback', url: string, messageSid: string, params: Record<string, string>, authToken: string | undefined): void {
    const startedAt = instant().iso;
    const record = (status: number | null, error: string | null): void =>
      this.truth.recordPush({ kind, url, messageSid, startedAt, status, error });
    this.work.track(
      postTwilioForm(url, params, authToken, this.work.signal).then(
        (status) => record(status, status >= 200 && status < 300 ? null : `receiver answered ${status}`),
        (error: unknown) => record(null, error instanceof Error ? error.message : String(error)),
      ),
    );
  }

  #sid(prefix: string): string {
    return prefix + randomHex(this.#ids, 32);
  }
}

function isFinal(request: TrackedRequest): boolean {
  return request.record.status !== null && FINAL_STATUSES.has(request.record.status);
}
