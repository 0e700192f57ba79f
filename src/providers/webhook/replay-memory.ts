// The message ids each acceptor has already delivered, so a captured webhook replayed later (even after
// a restart) is not taken for a fresh SMS. Bounded per acceptor, by count and by age, so a flood through
// one endpoint cannot push another's ids out. With a path, the memory is saved to a small JSON file after
// every change (written to a temporary file, then renamed over the old one, so a crash leaves the old or
// the new file, never half of one) and loaded at start; a missing file is an empty memory, and an
// unreadable or corrupt one is reported and replaced, never fatal. The file holds keyed digests of ids
// and their times: no number, text or code.

import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Acceptor } from './acceptor.js';

export interface ReplayMemoryOptions {
  /** Where the memory is kept across restarts; without it, it lives and dies with the process. */
  readonly path?: string;
  /** Ids remembered per acceptor; the oldest are forgotten first. */
  readonly maxEntries?: number;
  /** How long an id is remembered. */
  readonly maxAgeMs?: number;
  /** Wall-clock milliseconds; entries are stamped with it, so it must survive restarts. */
  readonly now?: () => number;
  /** Told when the file cannot be read or written; the memory carries on in the process. */
  readonly onError?: (error: Error) => void;
}

export const DEFAULT_REPLAY_MAX_ENTRIES = 10_000;
export const DEFAULT_REPLAY_MAX_AGE_MS = 7 * 24 * 3_600_000;

const FILE_VERSION = 1;

/** What is saved: per acceptor id, `[digest, epoch ms]` pairs, oldest first. */
interface ReplayFile {
  readonly version: typeof FILE_VERSION;
  readonly acceptors: Record<string, [string, number][]>;
}

export class ReplayMemory {
  readonly path: string | undefined;
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #onError: (error: Error) => void;
  /** Per acceptor id, digest → time first seen; Map order is arrival order, so the oldest come first. */
  readonly #seen = new Map<string, Map<string, number>>();
  /** Bumped on every change; a save writes the state as of one generation. */
  #generation = 0;
  #savedGeneration = 0;
  #saving: Promise<void> | undefined;

  private constructor(options: ReplayMemoryOptions) {
    this.path = options.path;
    this.#maxEntries = options.maxEntries ?? DEFAULT_REPLAY_MAX_ENTRIES;
    this.#maxAgeMs = options.maxAgeMs ?? DEFAULT_REPLAY_MAX_AGE_MS;
    if (!Number.isInteger(this.#maxEntries) || this.#maxEntries < 1) throw new RangeError(`replay memory maxEntries: expected a positive integer, got ${this.#maxEntries}`);
    if (!(this.#maxAgeMs > 0)) throw new RangeError(`replay memory maxAgeMs: expected a positive number, got ${this.#maxAgeMs}`);
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? ((error) => process.emitWarning(error));
  }

  /** A memory in this process only. */
  static inMemory(options: Omit<ReplayMemoryOptions, 'path'> = {}): ReplayMemory {
    return new ReplayMemory(options);
  }

  /** Loads the file at `options.path` (when given); never rejects: a bad file is reported and ignored. */
  static async open(options: ReplayMemoryOptions): Promise<ReplayMemory> {
    const memory = new ReplayMemory(options);
    if (memory.path !== undefined) await memory.#load(memory.path);
    return memory;
  }

  /**
   * True the first time the acceptor delivers this message id (and remembers it); false for a replay.
   * Ids forgotten by the bounds are new again.
   */
  firstDelivery(acceptor: Acceptor, messageId: string): boolean {
    const now = this.#now();
    const seen = this.#seen.get(acceptor.id) ?? new Map<string, number>();
    this.#seen.set(acceptor.id, seen);
    this.#forgetExpired(seen, now);
    const digest = acceptor.digest(messageId);
    if (seen.has(digest)) return false;
    seen.set(digest, now);
    if (seen.size > this.#maxEntries) seen.delete(seen.keys().next().value!);
    this.#generation += 1;
    return true;
  }

  /**
   * Resolves once everything remembered so far is on disk (at once without a path). Never rejects: a
   * failed write is reported, and the next change tries again.
   */
  async saved(): Promise<void> {
    if (this.path === undefined) return;
    while (this.#savedGeneration < this.#generation) {
      this.#saving ??= this.#save(this.path).finally(() => (this.#saving = undefined));
      await this.#saving;
    }
  }

  async #save(path: string): Promise<void> {
    const generation = this.#generation;
    const now = this.#now();
    for (const [id, seen] of this.#seen) {
      this.#forgetExpired(seen, now);
      if (seen.size === 0) this.#seen.delete(id);
    }
    const file: ReplayFile = { version: FILE_VERSION, acceptors: Object.fromEntries([...this.#seen].map(([id, seen]) => [id, [...seen]])) };
    const temporary = `${path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(path), { recursive: true });
      const handle = await open(temporary, 'w', 0o600);
      try {
        await handle.writeFile(JSON.stringify(file));
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await rename(temporary, path);
    } catch (cause) {
      await rm(temporary, { force: true }).catch(() => undefined);
      this.#onError(new Error(`the webhook replay memory could not be saved to ${path}: ${(cause as Error).message}`, { cause }));
    }
    // Failed or not, this generation has had its attempt: a caller waiting on it is not held forever.
    this.#savedGeneration = Math.max(this.#savedGeneration, generation);
  }

  async #load(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
      this.#onError(new Error(`the webhook replay memory ${path} could not be read, starting empty: ${(cause as Error).message}`, { cause }));
      return;
    }
    let file: ReplayFile;
    try {
      file = parseReplayFile(text);
    } catch (cause) {
      this.#onError(new Error(`the webhook replay memory ${path} is corrupt, starting empty: ${(cause as Error).message}`, { cause }));
      return;
    }
    const now = this.#now();
    for (const [id, entries] of Object.entries(file.acceptors)) {
      const seen = new Map(entries.slice(-this.#maxEntries));
      this.#forgetExpired(seen, now);
      if (seen.size > 0) this.#seen.set(id, seen);
    }
  }

  #forgetExpired(seen: Map<string, number>, now: number): void {
    for (const [digest, at] of seen) {
      if (now - at < this.#maxAgeMs) return;
      seen.delete(digest);
    }
  }
}

function parseReplayFile(text: string): ReplayFile {
  const json: unknown = JSON.parse(text);
  const file = json as Partial<ReplayFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== FILE_VERSION) throw new Error(`expected {"version": ${FILE_VERSION}, "acceptors": …}`);
  const { acceptors } = file;
  if (typeof acceptors !== 'object' || acceptors === null || Array.isArray(acceptors)) throw new Error('acceptors is not an object');
  for (const [id, entries] of Object.entries(acceptors)) {
    const valid = Array.isArray(entries) && entries.every((entry) => Array.isArray(entry) && entry.length === 2 && typeof entry[0] === 'string' && Number.isFinite(entry[1]));
    if (!valid) throw new Error(`the entries of ${id} are not [digest, time] pairs`);
  }
  return file as ReplayFile;
}
