import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../src/core/seconds.js';

describe('formatSeconds', () => {
  it('keeps about three significant digits and drops trailing zeros', () => {
    expect([0, 0.0423, 0.5, 1.5, 2.4, 6, 12.34, 30, 99.96, 754.2].map(formatSeconds)).toEqual([
      '0 s', '0.042 s', '0.5 s', '1.5 s', '2.4 s', '6 s', '12.3 s', '30 s', '100 s', '754 s',
    ]);
  });
});
