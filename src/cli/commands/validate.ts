// `otp-canary validate --config FILE [--skip-env]`: exit 0 and a one-line summary (and, on stderr, a
// warning with its path for each setting that weakens a check), or every problem with its path (thrown
// as ConfigError and printed by the top-level catch, exit 2). `--skip-env` checks the structure of a
// config whose secrets are not at hand: unset `${VAR}`s are listed, not refused.

import { checkConfigFile } from '../../config/load.js';
import { configWarnings } from '../../config/warnings.js';
import { parseCommandArgs } from '../args.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';

export async function validateCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs(argv, { options: { config: { type: 'string' }, 'skip-env': { type: 'boolean', default: false } } });
  if (values.config === undefined) throw new UsageError('validate needs --config FILE');
  const { config, unsetVariables } = await checkConfigFile(values.config, { allowUnsetVariables: values['skip-env'] });
  if (config === undefined) {
    io.stdout(`${values.config}: valid structure; not checked: the fields that use ${unsetVariables.length === 1 ? 'the unset variable' : `${unsetVariables.length} unset variables`} ${unsetVariables.join(', ')}\n`);
    return EXIT_OK;
  }
  const checks = config.checks.map((c) => c.name).join(', ');
  for (const warning of configWarnings(config)) io.stderr(`warning: ${warning.path}: ${warning.message}\n`);
  io.stdout(`${values.config}: valid (${config.checks.length} check${config.checks.length === 1 ? '' : 's'}: ${checks})\n`);
  return EXIT_OK;
}
