import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    // Load tests measure latency: running many files at once on a 2-core box makes them measure each other.
    fileParallelism: false,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
