// Where every finished run and control result goes, in one place: metrics, the recent-runs memory, one
// log line, and the audit trail when configured. Scheduled, manual and cut-off runs all pass through
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
  return {
    recordRun(record) {
      metrics.recordRun(record);
      recent.addRun(record);
      logRun(logger, record);
      // Never rejects: a failed write is reported through the audit log's onError.
      void audit?.append(record);
    },
    recordControl(record) {
      metrics.recordControl(record);
      recent.addControl(record);
      logControl(logger, record);
      void audit?.append(record);
    },
    recordSkip(check, reason) {
      metrics.recordSkip(check, reason);
      logger.warn({ event: 'skip', check, reason }, `run ${check} skipped: ${reason}`);
    },
  };
}
