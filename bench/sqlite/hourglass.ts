/**
 * hourglass/sqlite. Variant 'full' is the default store (WAL, synchronous FULL); 'normal' the store's
 * `synchronous: 'normal'` option. The backlog is written in one transaction straight into the table (rows as
 * insert.sql writes them: pending, attempts 0), then ANALYZE (as `PRAGMA optimize` would in a long-lived app) and a WAL checkpoint.
 */
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { hourglassDriver } from '../harness/hourglass.js';
import { dbFile, removeDb, synchronous } from './files.js';

export default hourglassDriver({
  open: (spec) => new SqliteStore({ path: dbFile(spec), synchronous: synchronous(spec) }),
  // A second SqliteStore on the file: its commits reach the worker through the file watch (wake.ts), as another
  // process's would.
  otherProducer: true,
  async fill(spec, count, dueAt) {
    const db = new Database(dbFile(spec));
    try {
      db.pragma('busy_timeout = 10000');
      const now = Date.now();
      db.transaction(() => {
        db.prepare(
          `WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < @count)
           INSERT INTO hourglass_jobs (name, data, priority, due_at, next_run_at, created_at, updated_at)
           SELECT 'noop', json_object('i', i), 0, @dueAt, @dueAt, @now, @now FROM s`,
        ).run({ count, dueAt, now });
      }).immediate();
    } finally {
      db.close();
    }
  },
  async afterFill(spec) {
    const db = new Database(dbFile(spec));
    try {
      db.pragma('busy_timeout = 10000');
      db.exec('ANALYZE');
      // The fill's pages go from the WAL into the database now, not in a checkpoint during the measured run.
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
    return 'ANALYZE and a WAL checkpoint';
  },
  async cleanup(spec) {
    removeDb(spec);
  },
});
