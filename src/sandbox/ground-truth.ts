// The sandbox's own record of what it really did, served at GET /_sandbox/ground-truth. It holds the
// codes it sent, because it is what tests and the probe's self-checks compare against; nothing in the
// sandbox ever logs it.

import type { Instant } from './clock.js';

/** What the sandbox decided for a send. */
export const SEND_FATES = ['delivered', 'lost', 'undelivered', 'duplicated', 'blocked', 'throttled'] as const;
export type SendFate = (typeof SEND_FATES)[number];

export const REQUEST_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'failed'] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];
export const FINAL_STATUSES: ReadonlySet<RequestStatus> = new Set(['delivered', 'undelivered', 'failed']);

export const VERIFY_RESULTS = ['approved', 'invalid_code', 'expired', 'max_attempts', 'no_pending_code'] as const;
export type VerifyResult = (typeof VERIFY_RESULTS)[number];

export const ENDPOINT_GROUPS = ['send', 'verify', 'inbox'] as const;
export type EndpointGroup = (typeof ENDPOINT_GROUPS)[number];
export const FAULT_KINDS = ['error', 'rateLimit', 'slow', 'reset', 'malformed'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface SendRecord {
  /** Null for sends the service refused (blocked, throttled). */
  requestId: string | null;
  to: string;
  code: string | null;
  fate: SendFate;
  /** When the service answered the send. */
  acceptedAt: string;
  acceptedAtEpochMs: number;
  status: RequestStatus | null;
  /** Carrier error code when the carrier reported failure (30003). */
  errorCode: string | null;
  /** The carrier's log-normal draw. */
  drawnDelayMs: number | null;
  /** Accepted → stored in the inbox (and webhook push started), measured: timer lateness included. */
  trueDelayMs: number | null;
  deliveredAt: string | null;
  deliveredAtEpochMs: number | null;
  /** Accepted → second copy stored, for duplicated sends. */
  duplicateDelayMs: number | null;
}

export interface VerificationRecord {
  at: string;
  atEpochMs: number;
  to: string;
  /** The send whose code was checked, when there was a pending one. */
  requestId: string | null;
  /** Whether the submitted code matched a code the service issued and had not consumed. */
  codeCorrect: boolean;
  result: VerifyResult;
}

export interface PushRecord {
  kind: 'inbound_sms' | 'status_callback';
  url: string;
  messageSid: string;
  startedAt: string;
  /** HTTP status the receiver answered with; null when the push failed before an answer. */
  status: number | null;
  /** Why the push failed; null on a 2xx. */
  error: string | null;
}

export interface FaultRecord {
  group: EndpointGroup;
  kind: FaultKind;
  at: string;
}

export interface GroundTruth {
  sends: SendRecord[];
  verifications: VerificationRecord[];
  pushes: PushRecord[];
  faults: FaultRecord[];
  counts: {
    sends: Record<SendFate, number>;
    verifications: Record<VerifyResult, number>;
    faults: Record<FaultKind, number>;
    smsDelivered: number;
    pushFailures: number;
  };
}

export class GroundTruthRecorder {
  #sends: SendRecord[] = [];
  #verifications: VerificationRecord[] = [];
  #pushes: PushRecord[] = [];
  #faults: FaultRecord[] = [];
  #smsDelivered = 0;

  recordSend(record: SendRecord): SendRecord {
    this.#sends.push(record);
    return record;
  }

  recordRefusedSend(to: string, fate: 'blocked' | 'throttled', at: Instant): void {
    this.recordSend({
      requestId: null, to, code: null, fate, acceptedAt: at.iso, acceptedAtEpochMs: at.epochMs, status: null, errorCode: null,
      drawnDelayMs: null, trueDelayMs: null, deliveredAt: null, deliveredAtEpochMs: null, duplicateDelayMs: null,
    });
  }

  recordVerification(record: VerificationRecord): void {
    this.#verifications.push(record);
  }

  recordPush(record: PushRecord): void {
    this.#pushes.push(record);
  }

  recordFault(group: EndpointGroup, kind: FaultKind, at: Instant): void {
    this.#faults.push({ group, kind, at: at.iso });
  }

  countDelivery(): void {
    this.#smsDelivered++;
  }

  /** A deep copy: callers may keep or change it without touching the record. */
  snapshot(): GroundTruth {
    return structuredClone({
      sends: this.#sends,
      verifications: this.#verifications,
      pushes: this.#pushes,
      faults: this.#faults,
      counts: {
        sends: tally(SEND_FATES, this.#sends.map((s) => s.fate)),
        verifications: tally(VERIFY_RESULTS, this.#verifications.map((v) => v.result)),
        faults: tally(FAULT_KINDS, this.#faults.map((f) => f.kind)),
        smsDelivered: this.#smsDelivered,
        pushFailures: this.#pushes.filter((p) => p.error !== null).length,
      },
    });
  }

  clear(): void {
    this.#sends = [];
    this.#verifications = [];
    this.#pushes = [];
    this.#faults = [];
    this.#smsDelivered = 0;
  }
}

function tally<K extends string>(keys: readonly K[], values: readonly K[]): Record<K, number> {
  const counts = Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
  for (const value of values) counts[value]++;
  return counts;
}
