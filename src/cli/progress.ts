// A single self-rewriting progress line on terminals: runs done per check and failures so far. Off the
// terminal (CI logs, pipes) it prints nothing, so logs stay readable.

import type { RunRecord } from '../core/types.js';
import type { CommandIo } from './io.js';

export class Progress {
  private total = 0;
  private done = 0;
  private failed = 0;
  private degraded = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly io: CommandIo,
    wanted: boolean,
  ) {
    this.enabled = wanted && io.interactive;
  }

  start(checks: readonly string[], samplesPerCheck: number): void {
    this.total = checks.length * samplesPerCheck;
    this.draw();
  }

  record(record: RunRecord): void {
    this.done += 1;
    if (record.outcome === 'failure') this.failed += 1;
    if (record.outcome === 'degraded') this.degraded += 1;
    this.draw();
  }

  /** A line of its own, the progress line redrawn below it. */
  note(text: string): void {
    if (this.enabled) this.io.stderr('\r\x1b[2K');
    this.io.stderr(text);
    this.draw();
  }

  finish(): void {
    if (this.enabled) this.io.stderr('\r\x1b[2K');
  }

  private draw(): void {
    if (!this.enabled) return;
    const width = 30;
    const filled = this.total === 0 ? 0 : Math.round((this.done / this.total) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    this.io.stderr(`\r\x1b[2K${bar} ${this.done}/${this.total} runs, ${this.failed} failed, ${this.degraded} degraded`);
  }
}
