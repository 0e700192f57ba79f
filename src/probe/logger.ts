// Structured JSON logs (pino): one line per run and per control. Records arrive masked; as a safety
// net, every line is also scrubbed of the secrets registered at start (config credentials), so one that
// slips into a provider's error message or a stack trace is masked before it is written.

import { pino, type DestinationStream, type Level, type Logger } from 'pino';
import { maskNumber, redact, scrub } from '../core/mask.js';
import type { ControlRecord, RunRecord } from '../core/types.js';

export interface LoggerOptions {
  /** Default `info`. */
  readonly level?: Level | 'silent';
  /** Default: standard output. */
  readonly destination?: DestinationStream;
  /** Secrets known at creation; more can be added with `registerSecrets`. */
  readonly secrets?: Iterable<string>;
}

export interface ProbeLogger extends Logger {
  /** Masks these values in every line this logger and its children write from now on. */
  registerSecrets(secrets: Iterable<string>): void;
}

export function createLogger(options: LoggerOptions = {}): ProbeLogger {
  // Longest first, so a secret that contains another is masked whole.
  let secrets: string[] = [];
  const registerSecrets = (more: Iterable<string>): void => {
    const all = new Set(secrets);
    for (const secret of more) {
      all.add(secret);
      // A secret containing a quote, backslash or control character appears JSON-escaped in the line.
      all.add(JSON.stringify(secret).slice(1, -1));
    }
    secrets = [...all].sort((a, b) => b.length - a.length);
  };
  registerSecrets(options.secrets ?? []);
  const logger = pino(
    {
      level: options.level ?? 'info',
      // No pid or hostname on every line: the deployment's labels say where the probe runs.
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: scrubbedError },
      hooks: { streamWrite: (line) => (secrets.length === 0 ? line : redact(line, secrets)) },
    },
    options.destination ?? pino.destination(1),
  );
  return Object.assign(logger, { registerSecrets });
}

/**
 * pino's error fields (message and stack, each with the whole cause chain), scrubbed: an error may quote
 * a number or a URL with its key, which the registered secrets cannot all foresee. Whole lines cannot be
 * scrubbed like this: timestamps and durations are long digit runs too.
 */
function scrubbedError(error: Error): pino.SerializedError {
  const serialized = pino.stdSerializers.err(error);
  const stack = serialized.stack as string | undefined; // pino's type says always; an error may have had its stack removed
  return { ...serialized, message: scrub(serialized.message), ...(stack !== undefined && { stack: scrub(stack) }) };
}

/**
 * One line per finished run. Successes log at info; degraded runs and the target's failures at warn;
 * failures of otp-canary's own making (origin `probe`) at error, since those need the operator, not the
 * team under test. The (masked) code is never logged: it is of no use once the run is over.
 */
export function logRun(logger: Logger, record: RunRecord): void {
  const fields = {
    event: 'run',
    runId: record.id,
    check: record.check,
    location: record.location,
    number: maskNumber(record.number),
    startedAt: record.startedAt,
    outcome: record.outcome,
    reason: record.reason,
    stage: record.stage,
    origin: record.origin,
    detail: record.detail,
    providerCode: record.providerCode,
    timings: record.timings,
    deliverySeconds: record.deliverySeconds,
    providerReceivedAt: record.providerReceivedAt,
    warnings: record.warnings,
    cancelled: record.cancelled,
  };
  const summary = record.reason === undefined ? record.outcome : `${record.outcome}: ${record.reason}`;
  logger[runLevel(record)](fields, `run ${record.check} ${summary}`);
}

function runLevel(record: RunRecord): 'info' | 'warn' | 'error' {
  if (record.outcome === 'success') return 'info';
  if (record.outcome === 'failure' && record.origin === 'probe') return 'error';
  return 'warn';
}

/** One line per control result: passed at info, inconclusive at warn, violated at error. */
export function logControl(logger: Logger, record: ControlRecord): void {
  const level = record.status === 'passed' ? 'info' : record.status === 'inconclusive' ? 'warn' : 'error';
  logger[level]({ event: 'control', ...record }, `control ${record.check} ${record.control} ${record.status}`);
}
