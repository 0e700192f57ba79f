// A call that failed because this process ran out of something of its own (file descriptors, memory,
// disk, local ports) says nothing about the far side: it is otp-canary's failure, origin `probe`. The
// system error may sit deep in the chain undici builds (`cause`, or an AggregateError's `errors` when
// several addresses were tried), so the whole chain is searched.

import { StageError } from '../core/outcome.js';

const OWN_RESOURCES: Readonly<Record<string, string>> = {
  EMFILE: "file descriptors (EMFILE: the process's open-file limit)",
  ENFILE: "file descriptors (ENFILE: the system's open-file table)",
  ENOMEM: 'memory (ENOMEM)',
  ENOBUFS: 'socket buffer memory (ENOBUFS)',
  ENOSPC: 'disk space (ENOSPC)',
  EADDRNOTAVAIL: 'local ports (EADDRNOTAVAIL)',
};

/** Enough for undici's wrapping; a chain that loops or runs deeper is not followed further. */
const MAX_DEPTH = 8;

/** What of its own this process ran out of, as the error (or one of its causes) names it; undefined when it did not. */
export function exhaustedOwnResource(error: unknown): string | undefined {
  return search(error, 0);
}

function search(error: unknown, depth: number): string | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return undefined;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && Object.hasOwn(OWN_RESOURCES, code)) return OWN_RESOURCES[code];
  for (const inner of [cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])]) {
    const found = search(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The failure of a call to `url` that ran out of `resource`: `internal_error`, whichever stage it was in. */
export function ownExhaustionError(resource: string, url: string, cause: unknown): StageError {
  // The origin alone: a path or query may carry the number, the code or a key.
  return new StageError('internal_error', `otp-canary ran out of ${resource} calling ${new URL(url).origin}`, { cause });
}
