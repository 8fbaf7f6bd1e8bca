import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Load tests measure latency: running many files at once on a 2-core box makes them measure each other.
    fileParallelism: false,
    // Saturation of the load generator depends on how busy the box is: tests that are not about trust must not
    // turn into exit 3 on a loaded CI runner. The trust tests clear it (test/e2e/run-untrustworthy.test.ts).
    env: { LOADGATE_ACCEPT_UNTRUSTWORTHY: '1' },
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
