import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Suites that compare measured latencies with the sandbox's ground truth to the millisecond. On a
// 2-core machine, other suites running beside them (a Prometheus, a Chromium, the probe) delay the
// event loop and blur exactly what they measure, so `npm test` runs them on their own, after the rest.
const MEASUREMENT_SUITES = ['test/measurement-truth.test.ts', 'test/sandbox-carrier.test.ts'];

// The rest mostly waits (on the CLI and probe processes it spawns, on sandbox delays and timeouts), so
// two files at a time overlap those waits even on 2 cores, where Vitest's default (cores - 1) is one.
const MAIN_WORKERS = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'main',
          include: ['test/**/*.test.ts'],
          exclude: MEASUREMENT_SUITES,
          maxWorkers: MAIN_WORKERS,
          // A worker runs file after file without re-importing the modules they share: no suite keeps
          // state in a module or a global between files (every server, env var and timer is its own).
          isolate: false,
        },
      },
      { extends: true, test: { name: 'measurement', include: MEASUREMENT_SUITES, fileParallelism: false } },
    ],
  },
});
