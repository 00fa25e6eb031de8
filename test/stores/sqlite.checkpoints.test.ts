/**
 * SQLite: a store that writes steadily has its write-ahead log copied into the database (checkpointed) on its
 * reader thread rather than in its own commits (reader.ts "Checkpoints"), and still leaves a clean file behind:
 * closed, the log is gone (SQLite removes it when the last connection closes, so the thread's connection closed
 * too); a program that never closes its store still exits.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileStore, newJob, T0 } from './sqlite.helpers.js';

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
  it('copies a steadily written log into the database while the store is idle, and leaves no log once closed', async () => {
    const { store, path, dispose } = await fileStore();
    try {
      const before = statSync(path).size;
      // 80 write transactions of 20 jobs: past the point where checkpoints move to the thread (64 writes), and
      // well under the 1,000 pages at which a commit would checkpoint by itself.
      for (let i = 0; i < 80; i++) await store.insert(Array.from({ length: 20 }, () => newJob({ data: { pad: 'x'.repeat(200) } })), T0);
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(0);
      // Nothing writes now; only the thread can move the jobs' pages into the database file.
      expect(await eventually(() => statSync(path).size > before + 100_000, 5_000)).toBe(true);
      expect((await store.countJobs()).pending).toBe(1600);
      await store.close();
      expect(existsSync(`${path}-wal`)).toBe(false);
      await store.init({ logger: (await import('../../src/core/logger.js')).silentLogger });
      expect((await store.countJobs()).pending).toBe(1600);
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
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const [code] = await once(child, 'exit');
      expect(err).toBe('');
      expect(code).toBe(0);
      expect(out).toBe('done');
    } finally {
      await dispose();
    }
  }, 60_000);
});
