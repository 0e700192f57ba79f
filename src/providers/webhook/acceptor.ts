// Who accepted an inbound message: the endpoint's format and the credential that authenticated it. A
// message reaches only the inboxes of checks with the same acceptor, so a message let in by one
// credential (or by an endpoint that checks none) never satisfies a check that trusts another.

import { createHmac } from 'node:crypto';
import type { WebhookFormat } from './handler.js';

export interface Acceptor {
  readonly format: WebhookFormat;
  /** Stable across restarts and safe to print or persist: a keyed fingerprint of the credential, never the credential. */
  readonly id: string;
  /** A keyed digest of a message id, for the replay memory: without the credential it reveals nothing. */
  digest(messageId: string): string;
}

/** `credential` undefined: an endpoint that authenticates nothing (Vonage with `unsigned: true`). */
export function createAcceptor(format: WebhookFormat, credential: string | undefined): Acceptor {
  const derive = (purpose: string) => createHmac('sha256', credential ?? '').update(`otp-canary webhook ${format} ${purpose}`).digest();
  const replayKey = derive('replay');
  return {
    format,
    id: `${format}:${credential === undefined ? 'unsigned' : derive('acceptor').toString('hex').slice(0, 16)}`,
    digest: (messageId) => createHmac('sha256', replayKey).update(messageId).digest('base64url').slice(0, 22),
  };
}
