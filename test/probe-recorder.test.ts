// A run record is never dropped: whatever one of its sinks does, the others still get it.

import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../src/probe/audit.js';
import { createLogger } from '../src/probe/logger.js';
import { createProbeMetrics } from '../src/probe/metrics.js';
import { createRecorder } from '../src/probe/recorder.js';
import { RecentRuns } from '../src/probe/recent-runs.js';
import { runRecord } from './support/records.js';

describe('the probe recorder', () => {
  it('still audits, logs and remembers a run whose metrics update throws, and logs why', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'otp-canary-recorder-')), 'audit.jsonl');
    const audit = createAuditLog({ path, maxBytes: 1_000_000, keep: 1 });
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const recent = new RecentRuns({ perCheck: 10, overall: 10 });
    const metrics = createProbeMetrics({ version: 'test', location: 'eu-west-1', checks: [{ name: 'signup-us' }] });
    metrics.recordRun = () => {
      throw new Error('metrics bug');
    };
    const record = runRecord();

    createRecorder({ metrics, recent, logger, audit }).recordRun(record);
    await audit.close();

    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({ kind: 'run', id: record.id });
    expect(recent.runs({ check: 'signup-us' }).map((run) => run.id)).toEqual([record.id]);
    const events = lines.map((line) => JSON.parse(line) as { event?: string; sink?: string });
    expect(events.map((entry) => entry.event)).toEqual(['run', 'record_error']);
    expect(events[1]).toMatchObject({ sink: 'metrics' });
  });

  it('records runs in every other sink while the audit file is on a full disk (ENOSPC), and reports each failed write', async () => {
    const failures: Error[] = [];
    // Every write to /dev/full fails with ENOSPC, as on a full disk.
    const audit = createAuditLog({ path: '/dev/full', maxBytes: 1_000_000, keep: 1, onError: (error) => failures.push(error) });
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const recent = new RecentRuns({ perCheck: 10, overall: 10 });
    const metrics = createProbeMetrics({ version: 'test', location: 'eu-west-1', checks: [{ name: 'signup-us' }] });
    const recorder = createRecorder({ metrics, recent, logger, audit });
    const records = [runRecord(), runRecord()];

    for (const record of records) recorder.recordRun(record);
    await audit.close();

    expect(failures.map((failure) => (failure.cause as NodeJS.ErrnoException).code)).toEqual(['ENOSPC', 'ENOSPC']);
    expect(recent.runs({ check: 'signup-us' }).map((run) => run.id)).toEqual(records.map((record) => record.id).reverse());
    expect(lines.map((line) => (JSON.parse(line) as { event?: string }).event)).toEqual(['run', 'run']);
    expect(await metrics.render()).toContain('otp_canary_runs_total{check="signup-us",location="eu-west-1"} 2');
  });
});
