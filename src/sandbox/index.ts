// The embedded sandbox: a simulated carrier, a reference OTP service, an inbox and their ground truth,
// served over HTTP on 127.0.0.1. The library starts it in-process; `otp-canary sandbox` runs the same
// code standalone.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGuardedServer } from '../http/guarded-server.js';
import type { GroundTruth } from './ground-truth.js';
import type { FaultOptions, SandboxOptions } from './options.js';
import { resolveSandboxOptions, type FaultOverrides, type SandboxOverrides } from './overrides.js';
import { PendingWork } from './pending-work.js';
import { createRequestHandler, type RequestHandler } from './routes.js';
import { SandboxWorld } from './world.js';

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  /** The options in force, defaults filled in (faults as at start: see faults()). */
  readonly options: SandboxOptions;
  /** What the sandbox really did; the same data as GET /_sandbox/ground-truth. */
  groundTruth(): GroundTruth;
  /** Changes faults at runtime, like POST /_sandbox/faults; throws naming a bad field. */
  setFaults(overrides: FaultOverrides): FaultOptions;
  /** The faults in force now. */
  faults(): FaultOptions;
  /** Resolves once no delivery, status callback or webhook push is scheduled or in flight. */
  idle(): Promise<void>;
  /** Clears all state, like POST /_sandbox/reset; pending deliveries are cancelled. */
  reset(): void;
  /** Stops listening, cancels pending deliveries and pushes, and closes every connection. */
  close(): Promise<void>;
}

export async function startSandbox(overrides: SandboxOverrides = {}): Promise<Sandbox> {
  const options = resolveSandboxOptions(overrides);
  const work = new PendingWork();
  const world = new SandboxWorld(options, work);
  const handler = createRequestHandler(world, work.signal);
  const server = createGuardedServer((req, res) => handler.handle(req, res));
  await listen(server, options.port);
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    options,
    groundTruth: () => world.truth.snapshot(),
    setFaults: (faultOverrides) => world.faults.update(faultOverrides),
    faults: () => world.faults.options,
    idle: () => work.idle(),
    reset: () => world.reset(),
    close: () => (closed ??= shutDown(server, work, handler)),
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function shutDown(server: Server, work: PendingWork, handler: RequestHandler): Promise<void> {
  const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
  await work.close(); // wakes long-polls and cuts holds and body reads short…
  await handler.drain(); // …so every answer still owed goes out before the sockets close
  server.closeAllConnections();
  await stopped;
}

export type { SandboxOverrides, FaultOverrides } from './overrides.js';
export { resolveSandboxOptions } from './overrides.js';
export type { GroundTruth, SendRecord, VerificationRecord, PushRecord, FaultRecord, SendFate, RequestStatus, VerifyResult } from './ground-truth.js';
export type { SandboxOptions, FaultOptions, FaultRates, CarrierOptions, OtpServiceOptions, WebhookPushOptions, WeakenableControl } from './options.js';
export { DEFAULT_SANDBOX_OPTIONS, WEAKENABLE_CONTROLS } from './options.js';
export { SANDBOX_SENDER } from './world.js';
