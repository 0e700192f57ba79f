// A file a face will write once its work is done, checked before the work starts: a run's report must
// not be lost after every SMS was sent because its directory is missing, a file, or read-only. The CLI
// checks its --json path, the Action its report-path and junit-path.

import { constants, type Stats } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** An output path that cannot be written; its message names the option or input, the path and why. */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}

export interface WritableOptions {
  /** The writer creates missing directories (the Action does): then the nearest existing one must be writable. */
  readonly createsDirectories?: boolean;
}

/** Throws an OutputPathError naming `option` (`--json`, `junit-path`) when `path` cannot be created or overwritten. */
export async function checkWritable(option: string, path: string, options: WritableOptions = {}): Promise<void> {
  const absolute = resolve(path);
  const existing = await statIfAny(absolute, option, path);
  if (existing?.isDirectory()) throw new OutputPathError(`${option} ${path} cannot be written: it is a directory`);
  const target = existing !== undefined ? absolute : options.createsDirectories ? await nearestExisting(dirname(absolute), option, path) : dirname(absolute);
  await access(target, constants.W_OK).catch((error: unknown) => {
    throw unwritable(option, path, error);
  });
}

/** The closest ancestor of `directory` that exists (a file on the way was already refused by stat, as ENOTDIR). */
async function nearestExisting(directory: string, option: string, path: string): Promise<string> {
  let current = directory;
  // The root always exists, so the walk ends there at the latest.
  while ((await statIfAny(current, option, path)) === undefined) current = dirname(current);
  return current;
}

async function statIfAny(at: string, option: string, path: string): Promise<Stats | undefined> {
  return stat(at).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unwritable(option, path, error);
  });
}

const REASONS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a part of its path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
};

function unwritable(option: string, path: string, cause: unknown): OutputPathError {
  const { code, message } = cause as NodeJS.ErrnoException;
  return new OutputPathError(`${option} ${path} cannot be written: ${REASONS[code ?? ''] ?? code ?? message}`, { cause });
}
