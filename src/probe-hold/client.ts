// A release gate's side of the probe's hold API. The probe may run as several replicas behind one
// name (a headless Kubernetes Service answers with every pod's address), each holding only what it is
// asked: so the name is resolved to ALL its addresses and every one of them is asked. The hold stands
// only if each replica granted it; on a partial failure what was granted is released again. Each
// replica is reached at its own address while the request keeps the URL's host (Host header, TLS
// server name and certificate check), as if the name had resolved to that address alone.

import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import type { HttpAnswer, TransportFailure } from '../http/exchange.js';
import { callJsonApi, parseBody, stringField } from '../http/json-api.js';
import { DEFAULT_HOLD_SETTLE_SECONDS, HOLDS_PATH, holdAnswerSchema } from './protocol.js';

/** A gate's hold lives this long without renewal: a gate that dies keeps the probe off no longer. */
export const DEFAULT_HOLD_TTL_SECONDS = 120;
/** How long each replica may wait for its own in-flight run on a number (a check's default total timeout). */
export const DEFAULT_HOLD_WAIT_SECONDS = 120;
/** Renewals and releases are quick answers; a replica that does not give one in this time is unreachable. */
const REQUEST_TIMEOUT_MS = 10_000;
const NEVER = new AbortController().signal;

export interface ProbeHoldOptions {
  /** The probe's base URL, e.g. http://otp-canary-probe-hold.monitoring.svc:9477. */
  readonly url: string;
  /** The probe's probe.token. */
  readonly token: string;
  readonly numbers: readonly string[];
  /** Who holds the numbers, for the probe's logs. */
  readonly holder: string;
  readonly ttlSeconds?: number;
  readonly waitSeconds?: number;
  readonly settleSeconds?: number;
  /** Every address of a host name; node:dns lookup with `all: true` unless given. */
  readonly resolve?: (hostname: string) => Promise<readonly LookupAddress[]>;
  /** Gives up taking the hold. Renewals and the release never follow it: a cancelled gate still releases. */
  readonly signal?: AbortSignal;
}

export interface ProbeHold {
  /** Where the hold stands, e.g. `127.0.0.1:9477`, `[::1]:9477`. */
  readonly replicas: readonly string[];
  /** Aborted with a ProbeHoldError once a replica's hold is lost: from then on the probe may use the numbers. */
  readonly lost: AbortSignal;
  /** Stops renewing and releases the hold on every replica; a release that fails expires with its TTL. */
  release(): Promise<void>;
}

/** The hold could not be taken or kept; the message names the replica and the reason. */
export class ProbeHoldError extends Error {
  override readonly name = 'ProbeHoldError';
}

interface Replica {
  /** `address:port`, what messages name. */
  readonly label: string;
  /** Reaches this replica only, under the URL's own host. */
  readonly dispatcher: Agent;
  id?: string;
  /** Monotonic time (performance.now) past which the replica has let the hold expire. */
  expiresAt?: number;
}

/** Holds `numbers` on every replica behind `url`; throws ProbeHoldError, having released what it got, unless all granted. */
export async function holdProbeNumbers(options: ProbeHoldOptions): Promise<ProbeHold> {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS;
  const waitSeconds = options.waitSeconds ?? DEFAULT_HOLD_WAIT_SECONDS;
  const settleSeconds = options.settleSeconds ?? DEFAULT_HOLD_SETTLE_SECONDS;
  const signal = options.signal ?? NEVER;
  const base = new URL(options.url);
  const endpoint = (path: string) => `${base.href.replace(/\/+$/, '')}${path}`;
  const headers = { authorization: `Bearer ${options.token}` };
  const replicas = (await addressesOf(base, options.resolve ?? lookupAll)).map(({ address, family }) => replicaAt(address, family, base));

  const call = (replica: Replica, method: 'POST' | 'PUT' | 'DELETE', path: string, json: unknown, timeoutMs: number, callSignal = NEVER) =>
    callJsonApi({ method, url: endpoint(path), headers, json, timeoutMs, signal: callSignal, dispatcher: replica.dispatcher });
  const grant = async (replica: Replica): Promise<string | undefined> => {
    const sentAt = performance.now();
    const body = { numbers: options.numbers, ttlSeconds, holder: options.holder, waitSeconds, settleSeconds };
    const answer = await call(replica, 'POST', HOLDS_PATH, body, (waitSeconds + settleSeconds) * 1000 + REQUEST_TIMEOUT_MS, signal);
    if (answer.kind === 'transport' || answer.status !== 201) return `${replica.label}: ${refusal(answer)}`;
    const granted = parseBody(answer, holdAnswerSchema);
    if (!granted.ok) return `${replica.label}: answered 201 with a body that is not a hold`;
    replica.id = granted.value.id;
    replica.expiresAt = sentAt + ttlSeconds * 1000;
    return undefined;
  };
  const releaseAll = async () => {
    await Promise.all(replicas.filter((replica) => replica.id !== undefined).map((replica) => call(replica, 'DELETE', holdPath(replica), undefined, REQUEST_TIMEOUT_MS).catch(() => undefined)));
    await Promise.all(replicas.map((replica) => replica.dispatcher.close()));
  };

  const answers = await Promise.allSettled(replicas.map(grant));
  const failures = answers.flatMap((result) => (result.status === 'rejected' ? [] : result.value ?? []));
  if (failures.length > 0 || signal.aborted) {
    await releaseAll();
    signal.throwIfAborted();
    throw new ProbeHoldError(`the probe at ${options.url} did not hold the test numbers: ${failures.join('; ')}`);
  }

  const lost = new AbortController();
  const renew = async (replica: Replica) => {
    const sentAt = performance.now();
    const answer = await call(replica, 'PUT', holdPath(replica), { ttlSeconds }, REQUEST_TIMEOUT_MS);
    if (answer.kind === 'answer' && answer.status === 200) {
      replica.expiresAt = sentAt + ttlSeconds * 1000;
      return;
    }
    // An unreachable replica keeps the hold until its TTL runs out: the next renewal may still reach it.
    if (answer.kind === 'transport' && performance.now() < replica.expiresAt!) return;
    lost.abort(new ProbeHoldError(`the hold on the probe at ${replica.label} (${options.url}) was lost, so the probe may now use the test numbers: ${refusal(answer)}`));
  };
  let renewing = Promise.resolve();
  const timer = setInterval(() => {
    renewing = renewing.then(() => Promise.all(replicas.map(renew))).then(() => undefined, (error: unknown) => lost.abort(error));
  }, (ttlSeconds * 1000) / 3);

  return {
    replicas: replicas.map((replica) => replica.label),
    lost: lost.signal,
    async release() {
      clearInterval(timer);
      await renewing;
      await releaseAll();
    },
  };
}

async function lookupAll(hostname: string): Promise<readonly LookupAddress[]> {
  return lookup(hostname, { all: true });
}

async function addressesOf(url: URL, resolve: (hostname: string) => Promise<readonly LookupAddress[]>): Promise<readonly LookupAddress[]> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  try {
    const addresses = await resolve(hostname);
    if (addresses.length === 0) throw new Error('no address');
    return addresses;
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new ProbeHoldError(`the probe's host ${hostname} did not resolve (${typeof code === 'string' ? code : (cause as Error).message}), so no test number is held`, { cause });
  }
}

function replicaAt(address: string, family: number, url: URL): Replica {
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  // net.connect asks for every address when it may try several families (autoSelectFamily): give this one.
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, addresses: LookupAddress[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  return { label: family === 6 ? `[${address}]:${port}` : `${address}:${port}`, dispatcher: new Agent({ connect: { lookup: pinned } }) };
}

function holdPath(replica: Replica): string {
  return `${HOLDS_PATH}/${replica.id}`;
}

/** What a replica's answer says, for an error message: the probe's own `error` text when it gave one. */
function refusal(answer: HttpAnswer | TransportFailure): string {
  if (answer.kind === 'transport') return answer.description;
  const said = stringField(answer, 'error');
  return `${answer.status}${said === undefined ? '' : ` ${said}`}`;
}
