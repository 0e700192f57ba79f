import { defineConfig } from 'vitest/config';

// Suites that compare measured latencies with the sandbox's ground truth to the millisecond. On a
// 2-core machine, other suites running beside them (a Prometheus, a Chromium, the probe) delay the
// event loop and blur exactly what they measure, so `npm test` runs them on their own, after the rest.
const MEASUREMENT_SUITES = ['test/measurement-truth.test.ts', 'test/sandbox-carrier.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: MEASUREMENT_SUITES } },
      { extends: true, test: { name: 'measurement', include: MEASUREMENT_SUITES, fileParallelism: false } },
    ],
  },
});
