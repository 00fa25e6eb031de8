/**
 * SQLite durability levels (docs/stores/sqlite.md "Durability"). With synchronous 'full', the application's
 * writes commit with an fsync, and the worker's own bookkeeping (claim, settle, heartbeat) commits without one.
 * Which level each commit ran at is read inside it: a temporary trigger on the store's connection records
 * `pragma_synchronous` (1 NORMAL, 2 FULL) for every job row written.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { claimRequest, newJob, settlement, T0 } from './sqlite.helpers.js';

const NORMAL = 1;
const FULL = 2;
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function observed(options: { synchronous?: 'full' | 'normal'; busyTimeoutMs?: number } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-durability-'));
  dirs.push(dir);
  const path = join(dir, 'jobs.db');
  const store = new SqliteStore({ path, ...options });
  await store.init({ logger: silentLogger });
  const db = (store as unknown as { db: Database.Database }).db;
  db.exec(`CREATE TEMP TABLE observed (op TEXT, level INTEGER);
           CREATE TEMP TRIGGER observed_insert AFTER INSERT ON hourglass_jobs
           BEGIN INSERT INTO observed SELECT 'insert', synchronous FROM pragma_synchronous; END;
           CREATE TEMP TRIGGER observed_update AFTER UPDATE ON hourglass_jobs
           BEGIN INSERT INTO observed SELECT 'update', synchronous FROM pragma_synchronous; END;`);
  const take = () => db.prepare('DELETE FROM observed RETURNING op, level').all() as { op: string; level: number }[];
  const level = () => db.pragma('synchronous', { simple: true }) as number;
  return { store, path, take, level };
}

describe('sqlite: durability of each kind of commit', () => {
  it("synchronous 'full': enqueue, cancel and trigger commit with an fsync; claim, heartbeat and settle without", async () => {
    const { store, take, level } = await observed();
    const [a, b] = await store.insert([newJob({ name: 'a' }), newJob({ name: 'b' })], T0);
    expect(take()).toEqual([{ op: 'insert', level: FULL }, { op: 'insert', level: FULL }]);

    const claimed = await store.claim(claimRequest({ names: ['a'] }));
    expect(claimed.map((j) => j.id)).toEqual([a!.job.id]);
    expect(take()).toEqual([{ op: 'update', level: NORMAL }]);
    expect(level()).toBe(FULL); // the connection is back at FULL for the application's next write

    const job = claimed[0]!;
    expect(await store.heartbeat([{ id: job.id, lockToken: job.lockToken, lockedUntil: T0 + 60_000 }], T0)).toEqual(['ok']);
    expect(take()).toEqual([{ op: 'update', level: NORMAL }]);

    expect(await store.settle([settlement(job.id, job.lockToken)])).toEqual([true]);
    expect(take()).toEqual([{ op: 'update', level: NORMAL }]);
    expect(level()).toBe(FULL);

    await store.cancel(b!.job.id, T0);
    expect(take().map((r) => r.level)).toEqual([FULL]);
    await store.trigger(a!.job.id, T0);
    expect(take().every((r) => r.level === FULL)).toBe(true);
    await store.close();
  });

  it('a bookkeeping commit that fails (the file is busy) still leaves the connection at FULL', async () => {
    const { store, path, level } = await observed({ busyTimeoutMs: 20 });
    await store.insert([newJob({ name: 'a' })], T0);
    const { default: Driver } = await import('better-sqlite3');
    const other = new Driver(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(store.claim(claimRequest())).rejects.toThrow(/busy|locked/i);
      expect(level()).toBe(FULL);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.claim(claimRequest())).toHaveLength(1);
    await store.close();
  });

  it("synchronous 'normal': every commit at NORMAL, as asked", async () => {
    const { store, take, level } = await observed({ synchronous: 'normal' });
    await store.insert([newJob({ name: 'a' })], T0);
    const [job] = await store.claim(claimRequest());
    await store.settle([settlement(job!.id, job!.lockToken)]);
    expect(take().map((r) => r.level)).toEqual([NORMAL, NORMAL, NORMAL]);
    expect(level()).toBe(NORMAL);
    await store.close();
  });
});
