// Failed bearer-token attempts on the probe's acting endpoints (a manual run, the hold API). Every one
// is counted (otp_canary_probe_auth_failures_total); each client address gets at most one log line per
// interval, and the attempts left out are counted into its next line. A client guessing tokens thus
// shows in the log within the minute without flooding it. The token presented is never logged.

import type { Clock } from '../core/providers.js';

/** The acting endpoints, as the metric's `endpoint` label names them. */
export const AUTH_ENDPOINTS = ['run', 'holds'] as const;
export type AuthEndpoint = (typeof AUTH_ENDPOINTS)[number];

/** missing: no `Authorization: Bearer` header; wrong: a token that is not probe.token; unset: the probe has no token. */
export type AuthFailureReason = 'missing' | 'wrong' | 'unset';

export interface AuthFailure {
  readonly endpoint: AuthEndpoint;
  /** The client's address, as the socket saw it. */
  readonly client: string;
  readonly reason: AuthFailureReason;
}

export interface AuthFailureLogOptions {
  readonly logger: { warn(fields: object, message: string): void };
  /** Counts the attempt in the metric; called for every one, logged or not. */
  readonly count: (endpoint: AuthEndpoint) => void;
  /** Monotonic time; the limiter reads nothing else. */
  readonly clock: Pick<Clock, 'now'>;
  readonly intervalMs?: number;
  /** Clients tracked at once; attempts from more are logged together, as OTHER_CLIENTS. */
  readonly maxClients?: number;
}

export const AUTH_LOG_INTERVAL_MS = 60_000;
const MAX_CLIENTS = 1024;
/** Stands for every client past maxClients, so a flood from many addresses still logs once an interval. */
export const OTHER_CLIENTS = 'other clients';

interface ClientLog {
  /** When this client's last line was written. */
  loggedAtMs: number;
  /** Attempts since then that were counted but not logged. */
  suppressed: number;
}

export class AuthFailureLog {
  readonly #options: AuthFailureLogOptions;
  readonly #intervalMs: number;
  readonly #maxClients: number;
  readonly #clients = new Map<string, ClientLog>();

  constructor(options: AuthFailureLogOptions) {
    this.#options = options;
    this.#intervalMs = options.intervalMs ?? AUTH_LOG_INTERVAL_MS;
    this.#maxClients = options.maxClients ?? MAX_CLIENTS;
  }

  record(failure: AuthFailure): void {
    this.#options.count(failure.endpoint);
    const now = this.#options.clock.now();
    this.#sweep(now, failure.client);
    const client = this.#clients.has(failure.client) || this.#clients.size < this.#maxClients ? failure.client : OTHER_CLIENTS;
    const log = this.#clients.get(client);
    if (log !== undefined && now - log.loggedAtMs < this.#intervalMs) {
      log.suppressed += 1;
      return;
    }
    this.#options.logger.warn(
      { event: 'auth_failed', endpoint: failure.endpoint, client, reason: failure.reason, suppressed: log?.suppressed ?? 0 },
      `refused a request to the ${failure.endpoint} endpoint from ${client}: ${REASON_TEXT[failure.reason]}`,
    );
    this.#clients.set(client, { loggedAtMs: now, suppressed: 0 });
  }

  /**
   * Ends the interval of every other client whose interval is over: one that was quiet is forgotten; one
   * whose attempts were left out gets its line now (and a new interval), so a client that stops after a
   * burst is still reported once another attempt from anywhere arrives. `current` gets its line from
   * record(), with its own attempt.
   */
  #sweep(now: number, current: string): void {
    for (const [client, log] of this.#clients) {
      if (client === current || now - log.loggedAtMs < this.#intervalMs) continue;
      if (log.suppressed === 0) {
        this.#clients.delete(client);
        continue;
      }
      this.#options.logger.warn(
        { event: 'auth_failures_suppressed', client, suppressed: log.suppressed },
        `${log.suppressed} more requests from ${client} were refused without a valid bearer token`,
      );
      this.#clients.set(client, { loggedAtMs: now, suppressed: 0 });
    }
  }
}

const REASON_TEXT: Record<AuthFailureReason, string> = {
  missing: 'no bearer token',
  wrong: 'a bearer token that is not probe.token',
  unset: 'the probe has no probe.token, so nothing is accepted',
};
