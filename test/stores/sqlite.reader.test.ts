/**
 * The SQLite store's reads that grow with the table (counts, lists) run on its reader thread (reader.ts), not on
 * the event loop the worker and the HTTP server share: the loop turns while they run, a read after a write sees
 * it, a closed store fails its reads in flight with a StoreError, and the thread neither keeps a finished program
 * alive nor lets one exit before the read it awaits has arrived.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { Reader } from '../../src/stores/sqlite/reader.js';
import { claimRequest, fileStore, newJob, runProgram, settlement, T0 } from './sqlite.helpers.js';

const JOBS = 300_000;

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;

beforeAll(async () => {
  ({ store, path, dispose } = await fileStore());
  const db = new Database(path);
  // Half pending, half completed, ten names: a count steps every entry, a search for a missing text every row.
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${JOBS})
    INSERT INTO hourglass_jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
    SELECT 'job-' || (i % 10), '{"i":' || i || '}', CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'pending' END, 0,
           ${T0 + 3_600_000}, ${T0 + 3_600_000}, ${T0}, ${T0}
    FROM n`);
  db.close();
}, 120_000);

afterAll(async () => {
  await dispose();
});

/** Whether `read` settles before the event loop's next turn (it would, run on the loop: it returns done). */
async function settlesBeforeNextTurn(read: () => Promise<unknown>): Promise<{ early: boolean; value: unknown }> {
  let settled = false;
  const pending = read().finally(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  const early = settled;
  return { early, value: await pending };
}

describe('sqlite: reads that grow with the table run beside the event loop', () => {
  it('lets the event loop turn while it counts every job, and counts them all', async () => {
    const { early, value } = await settlesBeforeNextTurn(() => store.countJobs());
    expect(early).toBe(false);
    expect(value).toMatchObject({ pending: JOBS / 2, completed: JOBS / 2, running: 0 });
  });

  it('lets the event loop turn while a text search walks every row, and finds nothing that is not there', async () => {
    const { early, value } = await settlesBeforeNextTurn(() => store.listJobs({ text: 'not in any job', limit: 10, offset: 0 }));
    expect(early).toBe(false);
    expect(value).toEqual([]);
  });

  it('sees every write the store made before the read, as its own connection would', async () => {
    for (let round = 0; round < 20; round++) {
      const [inserted] = await store.insert([newJob({ name: 'fresh', dueAt: T0, nextRunAt: T0 })], T0);
      expect((await store.countJobs('fresh', ['pending'])).pending).toBe(1);
      const [claimed] = await store.claim(claimRequest({ names: ['fresh'], limit: 1 }));
      expect(claimed?.id).toBe(inserted!.job.id);
      expect(await store.countJobs('fresh', ['pending', 'running'])).toMatchObject({ pending: 0, running: 1 });
      await store.settle([settlement(claimed!.id, claimed!.lockToken)]);
      expect((await store.countJobs('fresh', ['completed'])).completed).toBe(round + 1);
      expect((await store.listJobs({ name: 'fresh', status: ['completed'], limit: 1, offset: 0 }))[0]?.id).toBe(inserted!.job.id);
    }
  });

  it('fails a read in flight when the store closes, and reads again once it is open again', async () => {
    const second = new SqliteStore({ path });
    await second.init({ logger: silentLogger });
    const inFlight = second.countJobs().catch((error: unknown) => error);
    await second.close();
    expect(await inFlight).toBeInstanceOf(StoreError);
    await expect(second.countJobs()).rejects.toThrow(/not open/);
    await second.init({ logger: silentLogger });
    expect((await second.countJobs('job-1')).pending).toBe(JOBS / 10);
    await second.close();
  });

  it('answers a statement the thread cannot run with an error that carries the driver\'s code, as a StoreError from the store', async () => {
    const reader = new Reader(path, 5000, 1024);
    try {
      await expect(reader.all('SELECT id FROM nowhere', {})).rejects.toMatchObject({ code: 'SQLITE_ERROR', message: expect.stringMatching(/no such table: nowhere/) });
      // The thread lives on: the next statement is answered.
      expect(await reader.all('SELECT count(*) AS n FROM hourglass_jobs WHERE id < 0', {})).toEqual([{ n: 0 }]);
    } finally {
      await reader.close();
    }
    const other = new SqliteStore({ path: `${path}.other` });
    await other.init({ logger: silentLogger });
    const db = new Database(`${path}.other`);
    db.exec('DROP TABLE hourglass_jobs');
    db.close();
    await expect(other.countJobs()).rejects.toMatchObject({ name: 'StoreError', message: expect.stringMatching(/countJobs/) });
    await other.close();
  });

  it('neither keeps a program alive once its reads are answered, nor lets it exit before the read it awaits', async () => {
    // A program whose last act is an unawaited count, its thread already started by an earlier one: the count is
    // printed, then the process exits by itself (the store is never closed, its thread idle).
    const program = `
      import { SqliteStore } from './src/stores/sqlite/index.ts';
      import { silentLogger } from './src/core/logger.ts';
      const store = new SqliteStore({ path: ${JSON.stringify(path)} });
      await store.init({ logger: silentLogger });
      await store.countJobs('job-1');
      store.countJobs('job-3').then((c) => process.stdout.write(JSON.stringify(c)));
    `;
    const { code, out, err } = await runProgram(program);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ pending: JOBS / 10, completed: 0 });
  }, 60_000);
});
