// Each check on its own cron schedule (UTC), its anti-abuse controls on their own `controlSchedule`.
// A tick never waits: it hands the check to the runner, and a tick the runner cannot take (the previous
// run still going, the number held too long by another check, the number held by a release gate) is
// counted as a skipped run.

import { createTask, type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { SKIP_REASONS, type SkipReason } from './metrics.js';
import type { Recorder } from './recorder.js';
import type { CheckRunner } from './runner.js';

export interface Schedules {
  /** Stops every task: no tick fires after this returns. */
  stop(): void;
}

export function scheduleChecks(runner: CheckRunner, recorder: Recorder, logger: Logger): Schedules {
  const cronLogger = {
    info: (message: string) => logger.debug({ event: 'cron' }, message),
    warn: (message: string) => logger.warn({ event: 'cron' }, message),
    error: (message: string | Error) => logger.error({ event: 'cron', err: message }, 'scheduler error'),
    debug: (message: string | Error) => logger.debug({ event: 'cron', err: message }, 'scheduler'),
  };
  const tasks: ScheduledTask[] = [];
  // The tick returns at once, so node-cron never sees an execution in progress: overlap is ours to count.
  const schedule = (expression: string, name: string, tick: () => Promise<void>) => {
    const fire = () => void tick().catch((error: unknown) => logger.error({ event: 'tick_failed', check: name, err: error }, `scheduled work of ${name} failed`));
    tasks.push(createTask(expression, fire, { name, timezone: 'UTC', logger: cronLogger }));
  };

  for (const { spec, config } of runner.checks) {
    const name = spec.name;
    if (config.schedule !== undefined) {
      schedule(config.schedule, name, async () => {
        const result = await runner.run(name);
        if (isSkip(result.status)) recorder.recordSkip(name, result.status);
      });
    }
    if (config.controlSchedule !== undefined && spec.controls.length > 0) {
      schedule(config.controlSchedule, `${name} controls`, async () => {
        const result = await runner.runControls(name);
        if (isSkip(result.status)) {
          // A release gate's hold is planned, like the run skips it causes (see the recorder).
          logger[result.status === 'held' ? 'info' : 'warn']({ event: 'controls_skipped', check: name, reason: result.status }, `controls of ${name} skipped: ${result.status}`);
        }
      });
    }
  }
  for (const task of tasks) void task.start();
  return {
    stop() {
      for (const task of tasks) void task.destroy();
    },
  };
}

function isSkip(status: string): status is SkipReason {
  return (SKIP_REASONS as readonly string[]).includes(status);
}
