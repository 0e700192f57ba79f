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
});
