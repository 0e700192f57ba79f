// An optional append-only audit trail: one JSON line per run or control result, rotated by size
// (`audit.jsonl` → `audit.jsonl.1` … `audit.jsonl.<keep>`). Every write goes through one queue, so
// lines never interleave and none is lost to a concurrent rotation. A failed write is reported through
// `onError` and the next record is tried afresh: the audit trail never takes the probe down.
//
// A line a crash or a full disk cut short is ended with a newline, never removed and never glued to the
// next record: when the file is opened, and right after a failed write. Ending it loses nothing: the
// fragment may be a whole record that lacked only its newline (truncating to the last newline would
// drop it), and otherwise it stays a single line a reader skips, while every record before and after it
// parses. Doing it at once, not before the next write, keeps a file rotated or read meanwhile whole.

import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ControlRecord, RunRecord } from '../core/types.js';

export interface AuditLogOptions {
  readonly path: string;
  /** A file is rotated before a line would take it past this size. */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one; 0 keeps none. */
  readonly keep: number;
  /** Called with each failed write or rotation; defaults to a process warning. */
  readonly onError?: (error: Error) => void;
}

export interface AuditLog {
  /** Queues the record; resolves once it is written or its failure reported. Never rejects. */
  append(record: RunRecord | ControlRecord): Promise<void>;
  /** Resolves once every record appended so far is written (or reported) and synced to disk. */
  flush(): Promise<void>;
  /** Flushes and closes the file; later appends are reported as errors. */
  close(): Promise<void>;
}

/** The audit line: `kind` tells runs from control results without guessing from the fields. */
export function auditLine(record: RunRecord | ControlRecord): string {
  const kind = 'control' in record ? 'control' : 'run';
  return `${JSON.stringify({ kind, ...record })}\n`;
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { path, maxBytes, keep } = options;
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new RangeError(`audit maxBytes: expected a positive integer, got ${maxBytes}`);
  if (!Number.isInteger(keep) || keep < 0) throw new RangeError(`audit keep: expected a non-negative integer, got ${keep}`);
  const report = options.onError ?? ((error: Error) => process.emitWarning(error));

  let file: OpenFile | undefined;
  let queue: Promise<void> = Promise.resolve();
  let closed = false;

  /** Opens in append mode: after a restart, writing continues at the end of the current file, its last line ended. */
  async function current(): Promise<OpenFile> {
    if (file !== undefined) return file;
    await mkdir(dirname(path), { recursive: true });
    const handle = await open(path, 'a+');
    try {
      let { size } = await handle.stat();
      if (size > 0 && (await lastByte(handle, size)) !== NEWLINE) {
        await handle.appendFile(END_OF_LINE);
        size += END_OF_LINE.length;
      }
      file = { handle, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
    return file;
  }

  async function release(): Promise<void> {
    const released = file;
    file = undefined;
    await released?.handle.close();
  }

  async function sync(): Promise<void> {
    await file?.handle.datasync();
  }

  async function rotate(): Promise<void> {
    await release();
    if (keep === 0) return rm(path, { force: true });
    await rm(`${path}.${keep}`, { force: true });
    for (let index = keep - 1; index >= 1; index -= 1) await renameIfPresent(`${path}.${index}`, `${path}.${index + 1}`);
    await renameIfPresent(path, `${path}.1`);
  }

  async function write(line: string): Promise<void> {
    const bytes = Buffer.from(line);
    let target = await current();
    // A line larger than maxBytes still gets written, alone in its file.
    if (target.size > 0 && target.size + bytes.length > maxBytes) {
      await rotate();
      target = await current();
    }
    // All of it or an error: a single write(2) may stop short on a full disk.
    await target.handle.appendFile(bytes);
    target.size += bytes.length;
  }

  function enqueue(task: () => Promise<void>, what: string): Promise<void> {
    queue = queue.then(task).catch(async (error: unknown) => {
      report(new Error(`audit log ${path}: ${what} failed`, { cause: error }));
      // Never keep a handle in an unknown state: a fresh one ends at once any line the failure cut short
      // (see current) and is let go, the next write opening its own. When that fails too (the disk is
      // still full), the next write's open tries again, before its record.
      await release().catch(() => undefined);
      await current().then(release).catch(() => undefined);
    });
    return queue;
  }

  return {
    append(record) {
      if (closed) {
        report(new Error(`audit log ${path}: append after close; record ${'id' in record ? record.id : record.control} dropped`));
        return Promise.resolve();
      }
      const line = auditLine(record);
      return enqueue(() => write(line), 'append');
    },
    flush: () => enqueue(sync, 'flush'),
    close() {
      if (closed) return queue;
      closed = true;
      return enqueue(async () => {
        await sync();
        await release();
      }, 'close');
    },
  };
}

const NEWLINE = 0x0a;
const END_OF_LINE = Buffer.from([NEWLINE]);

interface OpenFile {
  readonly handle: FileHandle;
  size: number;
}

async function lastByte(handle: FileHandle, size: number): Promise<number | undefined> {
  const { bytesRead, buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
  return bytesRead === 1 ? buffer[0] : undefined;
}

async function renameIfPresent(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
