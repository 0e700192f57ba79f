// `otp-canary probe`: the long-running service. Runs until SIGTERM/SIGINT (the bin aborts `signal`),
// then stops gracefully and exits 0; SIGHUP reloads the config from the same path, refusing (and
// logging) an invalid one while the running config carries on. A config error at start is exit 2.

import { loadConfig } from '../../config/load.js';
import { DURATION_TOO_LONG, MAX_DURATION_MS, parseDuration } from '../../fields/units.js';
import { demoConfig } from '../../config/demo.js';
import { createLogger } from '../../probe/logger.js';
import { startProbe } from '../../probe/probe.js';
import { parseShard, type Shard } from '../../probe/shard.js';
import { parseCommandArgs, portNumber } from '../args.js';
import { configFrom } from '../config-source.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { CommandIo } from '../io.js';

export const DEFAULT_GRACE = '30s';

export async function probeCommand(argv: string[], _io: CommandIo, signal: AbortSignal): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      grace: { type: 'string', default: DEFAULT_GRACE },
      shard: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const port = portNumber('port', values.port);
  const graceMs = parseDuration(values.grace);
  if (graceMs === undefined) throw new UsageError(`--grace must be a duration such as 30s or 500ms, got "${values.grace}"`);
  if (graceMs > MAX_DURATION_MS) throw new UsageError(`--grace "${values.grace}" ${DURATION_TOO_LONG}`);
  const shard = shardOption(values.shard);
  const level = logLevel(values['log-level']);

  const { config, description } = await configFrom(values.config);
  const source = values.config ?? 'the demo config';
  const logger = createLogger({ level });
  logger.info({ event: 'config', source: description }, `otp-canary probe: ${description}`);
  const probe = await startProbe({ config, source, logger, graceMs, ...(port !== undefined && { port }), ...(values.host && { host: values.host }), ...(shard && { shard }) });

  const reload = () => {
    logger.info({ event: 'reload', source }, `SIGHUP: reloading ${source}`);
    const next = values.config === undefined ? Promise.resolve(demoConfig()) : loadConfig(values.config);
    next
      .then((loaded) => probe.reload(loaded, source))
      .catch((error: unknown) => logger.error({ event: 'reload_refused', source, err: error }, `reload refused, the running config carries on: ${error instanceof Error ? error.message : String(error)}`));
  };
  process.on('SIGHUP', reload);
  try {
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    process.off('SIGHUP', reload);
  }
  logger.info({ event: 'signal', reason: String(signal.reason instanceof Error ? signal.reason.message : signal.reason) }, 'shutting down');
  await probe.stop();
  logger.flush();
  return EXIT_OK;
}

function shardOption(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseShard(raw);
  } catch (cause) {
    throw new UsageError((cause as Error).message, { cause });
  }
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function logLevel(raw: string): (typeof LEVELS)[number] {
  const level = LEVELS.find((candidate) => candidate === raw);
  if (level === undefined) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}, got "${raw}"`);
  return level;
}
