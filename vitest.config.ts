import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Store suites share one server per store; files still run in parallel (each test has its own schema/prefix).
    maxWorkers: 2,
    reporters: ['default'],
  },
});
