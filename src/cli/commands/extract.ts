// `otp-canary extract TEXT` (or `-`: the message from stdin): the code alone on stdout (exit 0), or
// nothing (exit 1). --explain shows the ranked candidates and why, on stderr, so a miss can be debugged
// without polluting a pipe.

import { extractOtp } from '../../core/extract.js';
import type { ExtractOptions } from '../../core/types.js';
import { parseCommandArgs, positiveInteger } from '../args.js';
import { EXIT_GATE_FAILED, EXIT_OK, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';

export async function extractCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    allowPositionals: true,
    options: {
      pattern: { type: 'string' },
      'min-length': { type: 'string' },
      'max-length': { type: 'string' },
      explain: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('extract takes exactly one TEXT argument (quote the message, or - to read it from stdin)');
  const options: ExtractOptions = {
    ...(values.pattern !== undefined && { pattern: values.pattern }),
    minLength: positiveInteger('min-length', values['min-length']),
    maxLength: positiveInteger('max-length', values['max-length']),
  };
  const message = positionals[0] === '-' ? await io.stdin() : positionals[0]!;
  const result = extractOtp(message, options);
  if (values.explain) {
    for (const [rank, candidate] of result.candidates.entries()) {
      io.stderr(`#${rank + 1} ${candidate.code} score ${candidate.score}: ${candidate.reasons.join('; ')}\n`);
    }
    if (result.candidates.length === 0) io.stderr('no candidates: no number or code-shaped word outside links, and none announced as a code\n');
    if (result.ambiguous) io.stderr('ambiguous: another candidate scored close to the best\n');
  }
  if (result.code === undefined) return EXIT_GATE_FAILED;
  io.stdout(`${result.code}\n`);
  return EXIT_OK;
}
