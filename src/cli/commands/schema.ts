// `otp-canary schema`: the config's JSON Schema, for editors (yaml-language-server, VS Code).

import { configJsonSchema } from '../../config/json-schema.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';

export function schemaCommand(argv: string[], io: CommandIo): number {
  if (argv.length > 0) throw new UsageError(`schema takes no arguments, got "${argv.join(' ')}"`);
  io.stdout(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  return EXIT_OK;
}
