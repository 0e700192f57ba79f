// How many client connections our servers may hold at once, and which one gives way when they are
// full. Every accepted connection holds a file descriptor, and file descriptors run out first: a process
// out of them can neither accept /healthz nor open the connections its own runs make to the target, so
// each of those would fail and be blamed on the target. The servers of one process (the probe's, the
// webhook receiver, the sandbox) therefore share one budget of half the process's open-file limit,
// leaving the other half to Node itself, the audit file and the runs' outbound connections.

import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';

/** The most connections held however high the open-file limit: as many idle ones cost Node about 10 MB. */
const MAX_CONNECTIONS = 1_000;
/** Assumed where /proc/self/limits cannot be read (not Linux): the usual soft limit. */
const ASSUMED_OPEN_FILE_LIMIT = 1_024;

/** Half the open-file limit, at most MAX_CONNECTIONS and at least 1. */
export function connectionCap(openFileLimit: number): number {
  return Math.max(1, Math.min(MAX_CONNECTIONS, Math.floor(openFileLimit / 2)));
}

/** The soft `Max open files` of /proc/self/limits (`unlimited` is Infinity); undefined when absent. */
export function parseOpenFileLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (match === null) return undefined;
  return match[1] === 'unlimited' ? Infinity : Number(match[1]);
}

function openFileLimit(): number {
  try {
    return parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8')) ?? ASSUMED_OPEN_FILE_LIMIT;
  } catch {
    return ASSUMED_OPEN_FILE_LIMIT;
  }
}

/**
 * Connections held by the servers that share it. Past `max`, a new connection takes the place of the
 * oldest one that no request is being handled on (silent since it opened, sending its headers, or kept
 * alive after an answer): a flood of idle sockets cannot lock out /healthz or an SMS webhook, and an
 * answer in progress (a manual run, a long-poll) is never cut. Only when every connection is busy
 * answering is the newcomer closed. (Node's `server.maxConnections` closes the newcomer always, so
 * idle sockets that got there first would lock everyone else out until they time out.)
 */
export class ConnectionBudget {
  readonly #open = new Set<Socket>();
  /** Connections with no request in a handler, oldest first (a Set keeps insertion order). */
  readonly #waiting = new Set<Socket>();
  readonly #requestsInFlight = new Map<Socket, number>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`connection budget: expected a positive integer, got ${max}`);
  }

  /** Takes a newly accepted connection in, making room for it or closing it. */
  admit(socket: Socket): void {
    if (this.#open.size >= this.max) {
      const oldest = this.#waiting.values().next();
      if (oldest.done === true) {
        socket.destroy();
        return;
      }
      this.#forget(oldest.value);
      oldest.value.destroy();
    }
    this.#open.add(socket);
    this.#waiting.add(socket);
    socket.once('close', () => this.#forget(socket));
  }

  /** A request on `socket` reached its handler: the connection is busy until `answered`. */
  requestStarted(socket: Socket): void {
    if (!this.#open.has(socket)) return;
    this.#requestsInFlight.set(socket, (this.#requestsInFlight.get(socket) ?? 0) + 1);
    this.#waiting.delete(socket);
  }

  /** The answer to a request on `socket` ended (sent or cut off). */
  answered(socket: Socket): void {
    const inFlight = (this.#requestsInFlight.get(socket) ?? 0) - 1;
    if (inFlight > 0) return void this.#requestsInFlight.set(socket, inFlight);
    this.#requestsInFlight.delete(socket);
    // Newest again: it waits for its next request from now.
    if (this.#open.has(socket) && !socket.destroyed) this.#waiting.add(socket);
  }

  #forget(socket: Socket): void {
    this.#open.delete(socket);
    this.#waiting.delete(socket);
    this.#requestsInFlight.delete(socket);
  }
}

let processBudget: ConnectionBudget | undefined;

/** The budget every server of this process shares unless given its own; sized on first use. */
export function processConnectionBudget(): ConnectionBudget {
  return (processBudget ??= new ConnectionBudget(connectionCap(openFileLimit())));
}
