import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Restarts the shared server: run alone afterwards (vitest.faults.config.ts).
    exclude: ['test/stores/postgres.fault.test.ts', '**/node_modules/**'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Store suites share one server per store; files still run in parallel (each test has its own schema/prefix).
    maxWorkers: 2,
    reporters: ['default'],
  },
});
