/** SQLite for the conformance suites: a fresh file per test (shared by child processes), or ':memory:'. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import type { StoreFactory } from '../conformance/factory.js';

export const sqliteFileFactory: StoreFactory = {
  kind: 'sqlite',
  unavailable: async () => null,
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-test-'));
    const path = join(dir, 'jobs.db');
    return {
      store: new SqliteStore({ path }),
      url: `sqlite:${path}`,
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

/**
 * ':memory:' is private to one connection, so tests that open a second connection (racing processes) do
 * not apply to it; the URL points at a throwaway file only so those helpers have somewhere to go.
 */
export const sqliteMemoryFactory: StoreFactory = {
  kind: 'sqlite-memory',
  shared: false,
  unavailable: async () => null,
  async create() {
    return { store: new SqliteStore({ path: ':memory:' }), url: 'sqlite::memory:', cleanup: async () => undefined };
  },
};
