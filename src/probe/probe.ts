// The long-running probe: one HTTP server for its whole life, and a runtime per loaded config (its
// providers and environment, its runner, its schedules). A reload prepares the new runtime completely
// before touching the running one, so a config that cannot start is refused while the old keeps going;
// the old runtime then finishes its in-flight runs and closes in the background.

import type { Config } from '../config/schema.js';
import { configWarnings } from '../config/warnings.js';
import { NumberLeases } from '../core/lease.js';
import { prepareChecks, type CheckEnvironment } from '../wiring/prepare-checks.js';
import type { WebhookEndpoints } from '../providers/webhook/handler.js';
import { VERSION } from '../version.js';
import { createAuditLog } from './audit.js';
import { NumberHolds } from './holds.js';
import type { ProbeLogger } from './logger.js';
import { createProbeMetrics } from './metrics.js';
import { assertProbeConfig, configSecrets } from './probe-config.js';
import { RecentRuns } from './recent-runs.js';
import { createRecorder } from './recorder.js';
import { CheckRunner } from './runner.js';
import { scheduleChecks, type Schedules } from './scheduler.js';
import { createProbeServer, type ProbeServer } from './server.js';
import { inShard, type Shard } from './shard.js';
import { renderStatusPage, statusPageModel } from './status-page.js';
import { HostedWebhooks } from './webhooks.js';

/** Runs kept per check for the status page and /api/runs (the overall memory is probe.recentRuns). */
const RUNS_PER_CHECK = 50;
const HEALTH_TIMEOUT_MS = 2_000;

export interface ProbeOptions {
  readonly config: Config;
  /** Names the config in errors and logs: its file path, or a description of the demo. */
  readonly source: string;
  readonly logger: ProbeLogger;
  /** Override the config's probe.port / probe.host. */
  readonly port?: number;
  readonly host?: string;
  readonly shard?: Shard;
  /** How long in-flight runs may finish after a stop or reload before they are cut off. */
  readonly graceMs: number;
}

export interface Probe {
  /** Base URL of the server, e.g. http://127.0.0.1:9477. */
  readonly url: string;
  readonly port: number;
  /** Swaps to a new config; throws (keeping the current one) when it is invalid or cannot start. */
  reload(config: Config, source: string): Promise<void>;
  /** Stops scheduling, lets in-flight runs finish within the grace period, flushes and closes everything. */
  stop(): Promise<void>;
}

interface Runtime {
  readonly config: Config;
  readonly environment: CheckEnvironment;
  readonly runner: CheckRunner;
  readonly webhook?: WebhookEndpoints;
  schedules?: Schedules;
}

export async function startProbe(options: ProbeOptions): Promise<Probe> {
  const { logger, graceMs, shard } = options;
  assertProbeConfig(options.config, options.source);
  const settings = options.config.probe;
  const startedAtMs = Date.now();
  logger.registerSecrets(configSecrets(options.config));

  const metrics = createProbeMetrics({ version: VERSION, location: options.config.location, checks: [] });
  const recent = new RecentRuns({ perCheck: Math.min(RUNS_PER_CHECK, settings.recentRuns), overall: settings.recentRuns });
  const audit = settings.audit && createAuditLog({ ...settings.audit, onError: (error) => logger.error({ event: 'audit_error', err: error }, error.message) });
  const recorder = createRecorder({ metrics, recent, logger, ...(audit && { audit }) });
  const leases = new NumberLeases();
  const holds = new NumberHolds(leases, logger);
  const webhooks = new HostedWebhooks(logger);
  let runtime: Runtime | undefined;
  let stopping = false;
  const retiring = new Set<Promise<void>>();

  const server: ProbeServer = createProbeServer({
    metrics,
    logger,
    maxRuns: settings.recentRuns,
    statusPage: () =>
      renderStatusPage(
        statusPageModel({
          version: VERSION,
          location: options.config.location,
          startedAtMs,
          nowMs: Date.now(),
          checks: (runtime?.runner.checks ?? []).map(({ spec, config }) => ({ name: spec.name, schedule: config.schedule ?? '' })),
          recent,
        }),
      ),
    recentRuns: ({ check, limit }) => (check === undefined || runtime?.runner.has(check) ? recent.runs({ ...(check !== undefined && { check }), limit }) : undefined),
    token: () => runtime?.config.probe.token,
    runNow: (check) => {
      if (runtime === undefined || !runtime.runner.has(check)) return 'unknown';
      return runtime.runner.isRunning(check) ? 'running' : runtime.runner.run(check);
    },
    holds,
    readinessProblems: () => readinessProblems(runtime, stopping, server),
    webhooks: () => webhooks.handler,
  });
  const port = await server.listen(options.port ?? settings.port, options.host ?? settings.host);
  const host = options.host ?? settings.host;
  const url = `http://${localAddress(host)}:${port}`;
  logger.info({ event: 'listening', port, host, url }, 'listening');
  await webhooks.openReplays(settings, port);

  /** Prepares a runtime without touching the running one; on failure, everything it started is closed. */
  async function prepare(config: Config): Promise<Runtime> {
    const only = config.checks.filter((check) => inShard(check.number, shard)).map((check) => check.name);
    let webhook: WebhookEndpoints | undefined;
    const environment = await prepareChecks(config, {
      only,
      hostWebhooks: (endpoints) => {
        webhook = endpoints;
        return url;
      },
    });
    for (const warning of configWarnings(config).filter(({ check }) => only.includes(check))) {
      logger.warn({ event: 'config_warning', check: warning.check, path: warning.path }, warning.message);
    }
    const runner = new CheckRunner({ checks: environment.checks, leases, holds, recorder, logger });
    return { config, environment, runner, ...(webhook && { webhook }) };
  }

  function activate(next: Runtime): void {
    runtime = next;
    webhooks.activate(next.webhook);
    metrics.setChecks(next.runner.checks.map(({ spec }) => ({ name: spec.name, controls: spec.controls })));
    recent.retainChecks(next.runner.checks.map(({ spec }) => spec.name));
    next.schedules = scheduleChecks(next.runner, recorder, logger);
    const sandbox = next.environment.sandbox;
    if (sandbox !== undefined) logger.info({ event: 'sandbox', url: sandbox.url }, `the embedded sandbox listens on ${sandbox.url}; what it really did: ${sandbox.url}/_sandbox/ground-truth`);
    const names = next.runner.checks.map(({ spec }) => spec.name);
    logger.info({ event: 'schedules_registered', checks: names, ...(shard && { shard: `${shard.index}/${shard.count}` }) }, `${names.length} checks scheduled`);
    if (names.length === 0) logger.warn({ event: 'no_checks' }, 'no check falls in this probe\'s shard: nothing is scheduled');
  }

  /** Ends a runtime that is no longer scheduled: its in-flight runs finish (or are cut off), then it closes. */
  async function retire(old: Runtime): Promise<void> {
    old.schedules?.stop();
    const cutOff = await old.runner.drain(graceMs);
    if (cutOff > 0) logger.warn({ event: 'cut_off', count: cutOff, graceMs }, `${cutOff} runs cut off after the grace period; recorded as cancelled`);
    webhooks.retire(old.webhook?.inbox);
    await old.environment.close().catch((error: unknown) => logger.error({ event: 'close_failed', err: error }, 'closing the previous environment failed'));
  }

  activate(await prepareOrClose(options.config));

  async function prepareOrClose(config: Config): Promise<Runtime> {
    try {
      return await prepare(config);
    } catch (error) {
      await server.close();
      throw error;
    }
  }

  let reloading: Promise<void> = Promise.resolve();
  return {
    url,
    port,
    reload(config, source) {
      const attempt = reloading.then(async () => {
        if (stopping) throw new Error('the probe is stopping');
        assertProbeConfig(config, source);
        warnRestartOnly(options.config, config, logger);
        const next = await prepare(config);
        logger.registerSecrets(configSecrets(config));
        const old = runtime;
        if (old !== undefined) old.schedules?.stop();
        activate(next);
        logger.info({ event: 'reloaded', source }, `reloaded ${source}`);
        if (old !== undefined) {
          const retired = retire(old).then(() => logger.info({ event: 'previous_config_closed' }, 'the previous config\'s runs ended; its environment is closed'));
          retiring.add(retired);
          void retired.finally(() => retiring.delete(retired));
        }
      });
      reloading = attempt.catch(() => undefined);
      return attempt;
    },
    async stop() {
      stopping = true;
      await reloading;
      logger.info({ event: 'stopping', graceMs }, 'stopping: no new runs; waiting for in-flight runs');
      await Promise.all([...(runtime ? [retire(runtime)] : []), ...retiring]);
      // Only now: a hold's end hands its numbers to runs that waited for them, and none may start.
      holds.close();
      await audit?.close();
      await webhooks.flush();
      await server.close();
      logger.info({ event: 'stopped' }, 'stopped');
    },
  };
}

async function readinessProblems(runtime: Runtime | undefined, stopping: boolean, server: ProbeServer): Promise<string[]> {
  if (stopping) return ['the probe is shutting down'];
  if (runtime === undefined) return ['the config is not loaded yet'];
  if (runtime.schedules === undefined) return ['the schedules are not registered yet'];
  const problems: string[] = [];
  if (runtime.webhook !== undefined && !server.server.listening) problems.push('the webhook endpoints are not listening');
  const sandbox = runtime.environment.sandbox;
  if (sandbox !== undefined) {
    try {
      const response = await fetch(`${sandbox.url}/_sandbox/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      if (!response.ok) problems.push(`the embedded sandbox answered its health check with ${response.status}`);
      await response.body?.cancel();
    } catch (cause) {
      problems.push(`the embedded sandbox is unreachable: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  }
  return problems;
}

/** Settings bound at start: a reload cannot move the server, relabel the series or reopen the audit file. */
function warnRestartOnly(current: Config, next: Config, logger: ProbeLogger): void {
  const changed = [
    current.location !== next.location && 'location',
    current.probe.port !== next.probe.port && 'probe.port',
    current.probe.host !== next.probe.host && 'probe.host',
    current.probe.recentRuns !== next.probe.recentRuns && 'probe.recentRuns',
    JSON.stringify(current.probe.audit) !== JSON.stringify(next.probe.audit) && 'probe.audit',
    JSON.stringify(current.probe.webhookReplays) !== JSON.stringify(next.probe.webhookReplays) && 'probe.webhookReplays',
  ].filter((field): field is string => field !== false);
  if (changed.length > 0) logger.warn({ event: 'restart_required', fields: changed }, `${changed.join(', ')} changed: takes effect on restart`);
}

/** Where this process reaches its own server: a wildcard listen address means loopback. */
function localAddress(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
