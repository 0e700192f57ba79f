// `otp-canary init [--config FILE] [--force]`: writes an annotated config that runs as it is against
// the embedded sandbox, to start from. It never overwrites a file unless told to.

import { writeFile } from 'node:fs/promises';
import { parseCommandArgs } from '../args.js';
import { INIT_TEMPLATE } from '../init-template.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';

const DEFAULT_PATH = 'otp-canary.yml';

export async function initCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs(argv, { options: { config: { type: 'string' }, force: { type: 'boolean', default: false } } });
  const path = values.config ?? DEFAULT_PATH;
  try {
    await writeFile(path, INIT_TEMPLATE, { flag: values.force ? 'w' : 'wx' });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${path} already exists: pass --force to overwrite it`, { cause });
    throw new UsageError(`cannot write ${path}: ${code ?? (cause as Error).message}`, { cause });
  }
  io.stdout(`wrote ${path}: try "otp-canary validate --config ${path}", then "otp-canary run --config ${path}"\n`);
  return EXIT_OK;
}
