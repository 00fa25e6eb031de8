/**
 * SQLite: while a store's write-ahead log grows fast, it is copied into the database (checkpointed) on the store's
 * reader thread rather than in its commits (reader.ts "Checkpoints"), and the store still leaves a clean file behind:
 * closed, the log is gone (SQLite removes it when the last connection closes, so the thread's connection closed
 * too); a program that never closes its store still exits.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { fileStore, newJob, runProgram, T0 } from './sqlite.helpers.js';

/** Waits for `ok` (checked every 20 ms) for at most `ms`; answers whether it came. */
async function eventually(ok: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('sqlite: checkpoints on the reader thread', () => {
  it('takes over while the log grows fast, copies the rest once it is still, hands back, and leaves no log once closed', async () => {
    // synchronous 'normal': inserts that wait for no fsync grow the log fast even on a slow disk.
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-'));
    const path = join(dir, 'jobs.db');
    const store = new SqliteStore({ path, synchronous: 'normal' });
    await store.init({ logger: silentLogger });
    const dispose = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    const threshold = () => (store as unknown as { db: Database.Database }).db.pragma('wal_autocheckpoint', { simple: true });
    const job = () => newJob({ data: { pad: 'x'.repeat(400) } });
    try {
      expect(threshold()).toBe(1000);
      // Batches of 50 jobs back to back (past the 64 writes after which the thread watches the log, then a log
      // growing by hundreds of frames a tick) until the thread says it took over: the store raises its own
      // threshold to the backstop.
      let inserted = 0;
      for (let i = 0; i < 2_000 && threshold() !== 4000; i++) {
        await store.insert(Array.from({ length: 50 }, job), T0);
        inserted += 50;
        if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      }
      expect(threshold()).toBe(4000);
      // Nothing writes now: only the thread can move the last batches' pages into the database file.
      const size = statSync(path).size;
      expect(await eventually(() => statSync(path).size > size, 5_000)).toBe(true);
      // Still for a second: the commits checkpoint by themselves again, at SQLite's default.
      expect(await eventually(() => threshold() === 1000, 5_000)).toBe(true);
      expect((await store.countJobs()).pending).toBe(inserted);
      await store.close();
      expect(existsSync(`${path}-wal`)).toBe(false);
      await store.init({ logger: silentLogger });
      expect((await store.countJobs()).pending).toBe(inserted);
    } finally {
      await dispose();
    }
  });

  it('a program whose store checkpoints on its thread and is never closed exits by itself', async () => {
    const { path, dispose } = await fileStore();
    try {
      const program = `
        import { SqliteStore } from './src/stores/sqlite/index.ts';
        import { silentLogger } from './src/core/logger.ts';
        const store = new SqliteStore({ path: ${JSON.stringify(path)} });
        await store.init({ logger: silentLogger });
        const job = { name: 'work', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null,
          repeatKey: null, dedupeKey: null, label: null, dueAt: ${T0}, nextRunAt: ${T0} };
        for (let i = 0; i < 100; i++) await store.insert([job], ${T0});
        process.stdout.write('done');
      `;
      const { code, out, err } = await runProgram(program);
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toBe('done');
    } finally {
      await dispose();
    }
  }, 60_000);
});
