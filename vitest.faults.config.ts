import { defineConfig } from 'vitest/config';

// Tests that restart a shared server: run alone, after the main run (npm test), so no other file sees the
// server go away under it.
export default defineConfig({
  test: {
    include: ['test/stores/postgres.fault.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    maxWorkers: 1,
  },
});
