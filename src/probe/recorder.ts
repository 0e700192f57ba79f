// Where every finished run and control result goes, in one place: the audit trail when configured, one
// log line, the recent-runs memory and the metrics. Scheduled, manual and cut-off runs all pass through
// here, so /metrics, /api/runs, the logs and the audit file always tell the same story.

import type { Logger } from 'pino';
import type { ControlRecord, RunRecord } from '../core/types.js';
import type { AuditLog } from './audit.js';
import { logControl, logRun } from './logger.js';
import type { ProbeMetrics, SkipReason } from './metrics.js';
import type { RecentRuns } from './recent-runs.js';

export interface RecorderParts {
  readonly metrics: ProbeMetrics;
  readonly recent: RecentRuns;
  readonly logger: Logger;
  readonly audit?: AuditLog;
}

export interface Recorder {
  recordRun(record: RunRecord): void;
  recordControl(record: ControlRecord): void;
  recordSkip(check: string, reason: SkipReason): void;
}

export function createRecorder({ metrics, recent, logger, audit }: RecorderParts): Recorder {
  /**
   * Hands a record to each sink on its own, the durable audit trail first: a sink that throws (a bug)
   * is logged and costs that sink alone the record, never the others.
   */
  const deliver = (what: string, sinks: readonly (readonly [string, () => void])[]): void => {
    for (const [sink, write] of sinks) {
      try {
        write();
      } catch (error) {
        logger.error({ event: 'record_error', sink, err: error }, `${what} not recorded in ${sink}`);
      }
    }
  };
  return {
    recordRun(record) {
      deliver(`run ${record.check}`, [
        // Never rejects: a failed write is reported through the audit log's onError.
        ['audit', () => void audit?.append(record)],
        ['log', () => logRun(logger, record)],
        ['recent runs', () => recent.addRun(record)],
        ['metrics', () => metrics.recordRun(record)],
      ]);
    },
    recordControl(record) {
      deliver(`control ${record.check} ${record.control}`, [
        ['audit', () => void audit?.append(record)],
        ['log', () => logControl(logger, record)],
        ['recent runs', () => recent.addControl(record)],
        ['metrics', () => metrics.recordControl(record)],
      ]);
    },
    recordSkip(check, reason) {
      metrics.recordSkip(check, reason);
      // A release gate's hold is planned: no one needs to look at it.
      logger[reason === 'held' ? 'info' : 'warn']({ event: 'skip', check, reason }, `run ${check} skipped: ${reason}`);
    },
  };
}
