// A file a command will write once its work is done, checked before the work starts: a run's report
// must not be lost after every SMS was sent because its directory is missing or read-only.

import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** Throws a UsageError naming the option when `path` cannot be created or overwritten. */
export async function checkWritable(option: string, path: string): Promise<void> {
  const existing = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw unwritable(option, path, error);
  });
  if (existing?.isDirectory()) throw new UsageError(`--${option} ${path} cannot be written: it is a directory`);
  await access(existing === undefined ? dirname(resolve(path)) : path, constants.W_OK).catch((error: NodeJS.ErrnoException) => {
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

function unwritable(option: string, path: string, cause: NodeJS.ErrnoException): UsageError {
  return new UsageError(`--${option} ${path} cannot be written: ${REASONS[cause.code ?? ''] ?? cause.code ?? cause.message}`, { cause });
}
