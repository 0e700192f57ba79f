// The command dispatcher and the CLI's one top-level catch: every error becomes a message on stderr
// and an exit code (0 ok, 1 gate failed or nothing extracted, 2 bad usage or config, 3 internal error).

import { ConfigError } from '../config/problems.js';
import { InvalidCodePatternError } from '../core/extract.js';
import { scrub } from '../core/mask.js';
import { GateOptionsError } from '../wiring/gate-run.js';
import { ProbeHoldError } from '../probe-hold/client.js';
import { OutputPathError } from '../report/output-path.js';
import { VERSION } from '../version.js';
import { extractCommand } from './commands/extract.js';
import { initCommand } from './commands/init.js';
import { numbersCommand } from './commands/numbers.js';
import { probeCommand } from './commands/probe.js';
import { runCommand } from './commands/run.js';
import { sandboxCommand } from './commands/sandbox.js';
import { schemaCommand } from './commands/schema.js';
import { validateCommand } from './commands/validate.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js';
import { COMMAND_USAGE, USAGE } from './help.js';
import type { CommandIo } from './io.js';

type Command = (argv: string[], io: CommandIo, signal: AbortSignal) => number | Promise<number>;

const COMMANDS: Record<string, Command> = {
  init: initCommand,
  run: runCommand,
  validate: validateCommand,
  schema: schemaCommand,
  extract: extractCommand,
  sandbox: sandboxCommand,
  probe: probeCommand,
  numbers: numbersCommand,
};

export async function main(argv: string[], io: CommandIo, signal: AbortSignal): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === 'help' && rest[0] !== undefined && Object.hasOwn(COMMAND_USAGE, rest[0])) {
      io.stdout(COMMAND_USAGE[rest[0]]!);
      return EXIT_OK;
    }
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      io.stdout(USAGE);
      return name === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (name === '--version' || name === '-v') {
      io.stdout(`${VERSION}\n`);
      return EXIT_OK;
    }
    const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (command === undefined) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(COMMAND_USAGE[name]!);
      return EXIT_OK;
    }
    return await command(rest, io, signal);
  } catch (error) {
    return report(error, io, name !== undefined && Object.hasOwn(COMMANDS, name) ? name : undefined);
  }
}

/** `command` names the command that failed, so a usage error points at its own help. */
function report(error: unknown, io: CommandIo, command: string | undefined): number {
  if (error instanceof ConfigError) {
    io.stderr(`otp-canary: invalid config ${error.message}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof UsageError || error instanceof OutputPathError || error instanceof InvalidCodePatternError || error instanceof GateOptionsError) {
    const help = command === undefined ? 'otp-canary --help' : `otp-canary ${command} --help`;
    io.stderr(`otp-canary: ${error.message}\nRun "${help}" for usage.\n`);
    return EXIT_USAGE;
  }
  const listen = listenFailure(error);
  if (listen !== undefined) {
    io.stderr(`otp-canary: ${listen}\n`);
    return EXIT_USAGE;
  }
  if (error instanceof ProbeHoldError) {
    io.stderr(`otp-canary: ${error.message}\n`);
    return EXIT_USAGE;
  }
  io.stderr(`otp-canary: internal error: ${describeInternalError(error)}\n`);
  return EXIT_INTERNAL;
}

const LISTEN_REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is already in use (another process listens there: choose another port)',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s',
  EACCES: 'permission denied (ports below 1024 need privileges)',
};

/** A server that could not bind (the sandbox, the probe, a webhook receiver) is the user's choice of address, not our bug. */
function listenFailure(error: unknown): string | undefined {
  for (let cause = error; cause instanceof Error; cause = cause.cause) {
    const { syscall, code, address, port } = cause as NodeJS.ErrnoException & { address?: string; port?: number };
    if (syscall === 'listen' && code !== undefined && code in LISTEN_REASONS) {
      return `cannot listen on ${address?.includes(':') ? `[${address}]` : (address ?? '')}:${port ?? ''}: ${LISTEN_REASONS[code]}`;
    }
  }
  return undefined;
}

/** The stack and every cause, scrubbed: a provider's error may quote a URL with its key, a number or a code. */
export function describeInternalError(error: unknown): string {
  if (!(error instanceof Error)) return scrub(String(error));
  const causes: string[] = [error.stack ?? error.message];
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) causes.push(`caused by: ${cause.message}`);
  return scrub(causes.join('\n'));
}
