// How many client connections our servers may hold at once, and which one gives way when they are
// full. Every accepted connection holds a file descriptor, and file descriptors run out first: a process
// out of them can neither accept /healthz nor open the connections its own runs make to the target, so
// each of those would fail and be blamed on the target. The servers of one process (the probe's, the
// webhook receiver, the sandbox) therefore share one budget of half the process's open-file limit,
// leaving the other half to Node itself, the audit file and the runs' outbound connections.

import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
 * oldest one no answer is owed on: idle (silent since it opened, sending its headers, or kept alive
 * after an answer) first, then one still sending its request's body or not taking its answer. A flood
 * of idle, trickling or unread sockets cannot lock out /healthz or an SMS webhook, and a request
 * received whole (a manual run, a long-poll) is never cut from its answer; only when every connection
 * is owed one is the newcomer closed. (Node's `server.maxConnections` closes the newcomer always, so sockets that got there first
 * would lock everyone else out until they time out.)
 */
export class ConnectionBudget {
  readonly #open = new Set<Socket>();
  /** Connections no request of which is in a handler, oldest first (a Set keeps insertion order). */
  readonly #idle = new Set<Socket>();
  /** Connections with requests in a handler, the latest of them, in the order they became busy. */
  readonly #busy = new Map<Socket, { requests: number; latest: IncomingMessage; answer: ServerResponse }>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`connection budget: expected a positive integer, got ${max}`);
  }

  /** Takes a newly accepted connection in, making room for it or closing it. */
  admit(socket: Socket): void {
    if (this.#open.size >= this.max) {
      const evicted = this.#oldestOwedNothing();
      if (evicted === undefined) {
        socket.destroy();
        return;
      }
      this.#forget(evicted);
      evicted.destroy();
    }
    this.#open.add(socket);
    this.#idle.add(socket);
    socket.once('close', () => this.#forget(socket));
  }

  /** `req` reached its handler: its connection is busy until every such request is answered. */
  requestStarted(req: IncomingMessage, answer: ServerResponse): void {
    const { socket } = req;
    if (!this.#open.has(socket)) return;
    this.#idle.delete(socket);
    this.#busy.set(socket, { requests: (this.#busy.get(socket)?.requests ?? 0) + 1, latest: req, answer });
  }

  /** The answer to `req` ended (sent or cut off). */
  answered(req: IncomingMessage): void {
    const { socket } = req;
    const busy = this.#busy.get(socket);
    if (busy === undefined) return;
    if (busy.requests > 1) return void (busy.requests -= 1);
    this.#busy.delete(socket);
    // The newest idle one: it waits for its next request from now.
    if (!socket.destroyed) this.#idle.add(socket);
  }

  #oldestOwedNothing(): Socket | undefined {
    const [oldestIdle] = this.#idle;
    if (oldestIdle !== undefined) return oldestIdle;
    for (const [socket, { latest, answer }] of this.#busy) if (!latest.complete || answer.writableEnded) return socket;
    return undefined;
  }

  #forget(socket: Socket): void {
    this.#open.delete(socket);
    this.#idle.delete(socket);
    this.#busy.delete(socket);
  }
}

let processBudget: ConnectionBudget | undefined;

/** The budget every server of this process shares unless given its own; sized on first use. */
export function processConnectionBudget(): ConnectionBudget {
  return (processBudget ??= new ConnectionBudget(connectionCap(openFileLimit())));
}
