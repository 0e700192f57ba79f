// How many connections the servers of a process may hold: half its open-file limit, read from
// /proc/self/limits, so the other half stays for Node and the runs' own connections.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { connectionCap, parseOpenFileLimit, processConnectionBudget } from '../src/http/connection-budget.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            200                  4096                 files
Max locked memory         8388608              8388608              bytes
`;

describe('the connection budget', () => {
  it('reads the soft open-file limit, not the hard one', () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(200);
  });

  it('reads an unlimited open-file limit as Infinity, and nothing from a file without the line', () => {
    expect(parseOpenFileLimit(LIMITS.replace(/200\s+4096/, 'unlimited unlimited'))).toBe(Infinity);
    expect(parseOpenFileLimit('Limit  Soft Limit  Hard Limit  Units\n')).toBeUndefined();
  });

  it('gives connections half the open-file limit, at most 1 000 and at least 1', () => {
    expect([200, 1_024, 1_048_576, Infinity, 1].map(connectionCap)).toEqual([100, 512, 1_000, 1_000, 1]);
  });

  it("sizes the process's shared budget from this process's own limit", () => {
    expect(processConnectionBudget().max).toBe(connectionCap(parseOpenFileLimit(readFileSync('/proc/self/limits', 'utf8'))!));
  });
});
