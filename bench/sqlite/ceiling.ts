/**
 * The SQLite ceiling: the least work any SQLite queue must do per job, on the same kind of file (WAL,
 * synchronous FULL or NORMAL by variant). One write transaction per 500 jobs: complete the previous 500 in one
 * UPDATE and claim the next 500 due rows in one UPDATE ... RETURNING (as hourglass's settleAndClaim does), then
 * run their no-op handlers outside it. No history, no leases renewed, no retries, one connection: what a real
 * queue does is on top of this.
 */
import Database from 'better-sqlite3';
import type { Driver } from '../harness/types.js';
import { dbFile, removeDb, synchronous } from './files.js';

const BATCH = 500;

function open(file: string, sync: 'full' | 'normal'): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 10000');
  return db;
}

const driver: Driver = {
  async prepare(spec) {
    removeDb(spec);
    const db = open(dbFile(spec), synchronous(spec));
    db.exec(`CREATE TABLE ceiling (id INTEGER PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL, status TEXT NOT NULL,
               run_at INTEGER NOT NULL, locked_until INTEGER);
             CREATE INDEX ceiling_due ON ceiling (run_at, id) WHERE status = 'pending';`);
    db.close();
  },

  async enqueue(spec) {
    const db = open(dbFile(spec), synchronous(spec));
    const insert = db.prepare("INSERT INTO ceiling (name, data, status, run_at) VALUES ('noop', ?, 'pending', ?)");
    const now = Date.now();
    db.transaction(() => {
      for (let i = 0; i < spec.jobs; i++) insert.run(JSON.stringify({ i }), now);
    }).immediate();
    db.close();
  },

  async worker(spec) {
    const db = open(dbFile(spec), synchronous(spec));
    const claim = db.prepare(`UPDATE ceiling SET status = 'running', locked_until = @until WHERE id IN (
        SELECT id FROM ceiling WHERE status = 'pending' AND run_at <= @now ORDER BY run_at, id LIMIT @limit) RETURNING id, data`);
    const complete = db.prepare("UPDATE ceiling SET status = 'completed' WHERE id IN (SELECT value FROM json_each(?))");
    const noop = async (_data: unknown) => undefined;
    return {
      async process(jobs) {
        let done = 0;
        let finished: number[] = [];
        for (;;) {
          const now = Date.now();
          // One write transaction per 500 jobs: complete the last batch and claim the next (as settleAndClaim).
          const settle = finished;
          const rows = db.transaction(() => {
            if (settle.length > 0) complete.run(JSON.stringify(settle));
            return claim.all({ now, until: now + 30_000, limit: BATCH });
          }).immediate() as { id: number; data: string }[];
          done += settle.length;
          if (rows.length === 0) break;
          await Promise.all(rows.map((r) => noop(JSON.parse(r.data))));
          finished = rows.map((r) => r.id);
        }
        if (done !== jobs) throw new Error(`ceiling processed ${done} of ${jobs} jobs`);
      },
      async stop() {
        db.close();
      },
    };
  },

  async cleanup(spec) {
    removeDb(spec);
  },
};
export default driver;
