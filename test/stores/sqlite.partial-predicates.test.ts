/**
 * SQLite: the predicates it evaluates for every row an INSERT or UPDATE writes (hourglass_jobs' CHECK on status and
 * its partial indexes' WHERE) cost a few comparisons (migration 018). SQLite codes an IN list in such a predicate by
 * building a temporary b-tree of its values each time (an OpenEphemeral per predicate per row: nine per claimed
 * job before 018). Also: 018 edits the text on an existing file without rebuilding anything, and the file is still
 * sound afterwards (same rows in each index, every query answered as before).
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { migrate } from '../../src/stores/sqlite/migrate.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { sqlText } from '../../src/stores/sqlite/statements.js';
import { fileStore, newJob, T0 } from './sqlite.helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The opcodes of a statement's program (named parameters bound to NULL: EXPLAIN does not run it). */
function program(db: Database.Database, file: string): string[] {
  const stmt = db.prepare(`EXPLAIN ${sqlText(file)}`);
  const params: Record<string, null> = {};
  for (const m of stmt.source.matchAll(/@(\w+)/g)) params[m[1]!] = null;
  return (stmt.all(params) as { opcode: string }[]).map((r) => r.opcode);
}

describe('sqlite: partial index predicates (migration 018)', () => {
  it('no per-row predicate of hourglass_jobs tests an IN list, so no write builds a temporary b-tree per row', async () => {
    const { path, dispose } = await fileStore();
    try {
      const db = new Database(path, { readonly: true });
      const indexes = db.prepare(`SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'hourglass_jobs' AND sql IS NOT NULL`).all() as { name: string; sql: string }[];
      expect(indexes.length).toBeGreaterThan(10);
      for (const { name, sql } of indexes) expect({ name, where: sql.split(/\bWHERE\b/i)[1] ?? '' }).not.toMatchObject({ where: expect.stringMatching(/\bIN\s*\(/i) });
      const table = db.prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'hourglass_jobs'`).pluck().get() as string;
      expect(table).toMatch(/CHECK \(status = 'pending' OR/);
      expect(table).not.toMatch(/\bIN\s*\(/i);
      // What it buys, read off the programs: only the temporary tables a statement keeps for its whole run are
      // left (the claim's id list, the rows it updates, RETURNING's rows; the settle's last two; the insert's
      // RETURNING). Before migration 018 they were 10, 9 and 5.
      const ephemeral = (file: string) => program(db, file).filter((op) => op === 'OpenEphemeral').length;
      expect([ephemeral('claim-ids.sql'), ephemeral('settle.sql'), ephemeral('insert.sql'), ephemeral('insert-history.sql')]).toEqual([3, 2, 1, 0]);
      db.close();
    } finally {
      await dispose();
    }
  });

  it('upgrades a file at version 17 with jobs of every status: indexes sound, counts, lists, retention and dedupe as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-'));
    dirs.push(dir);
    const path = join(dir, 'old.db');
    const db = new Database(path);
    migrate(db, 17);
    const insert = db.prepare(`INSERT INTO hourglass_jobs (name, data, status, dedupe_key, lock_token, locked_until, due_at, next_run_at, created_at, updated_at)
      VALUES (@name, 'null', @status, @key, @token, @until, 1, 1, 1, @updated)`);
    const statuses = ['pending', 'running', 'completed', 'failed', 'cancelled', 'blocked'] as const;
    for (let i = 0; i < 60; i++) {
      const status = statuses[i % statuses.length]!;
      const running = status === 'running';
      insert.run({ name: Math.floor(i / 6) % 2 ? 'a' : 'b', status, key: i < 12 ? `k${i}` : null, token: running ? `t${i}` : null, until: running ? T0 + 60_000 : null, updated: 1000 + i });
    }
    db.close();

    const store = new SqliteStore({ path });
    await store.init({ logger: silentLogger });
    try {
      expect((await store.migrationStatus()).pending).toEqual([]);
      const check = new Database(path, { readonly: true });
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();
      expect(await store.countJobs()).toEqual({ pending: 10, running: 10, completed: 10, failed: 10, cancelled: 10, blocked: 10 });
      expect(await store.countJobs('a')).toMatchObject({ completed: 5, failed: 5, cancelled: 5 });
      const failed = await store.listJobs({ status: ['failed'], limit: 100, offset: 0 });
      expect(failed.map((j) => j.id).sort((x, y) => Number(x) - Number(y))).toEqual(['4', '10', '16', '22', '28', '34', '40', '46', '52', '58']);
      // A key held by a live job (k0 pending, k1 running) still dedupes; one held by a finished job (k2) does not.
      const [held, live, free] = await store.insert([newJob({ dedupeKey: 'k0' }), newJob({ dedupeKey: 'k1' }), newJob({ dedupeKey: 'k2' })], T0);
      expect([held!.created, live!.created, free!.created]).toEqual([false, false, true]);
      expect([held!.job.id, live!.job.id]).toEqual(['1', '2']);
      // Retention reads hourglass_jobs_finished_at: the ten completed jobs, all finished long before.
      const pruned = await store.prune({ finishedBefore: { completed: T0 }, historyBefore: null, limit: 100, now: T0 });
      expect(pruned).toMatchObject({ jobs: 10 });
      expect((await store.countJobs()).completed).toBe(0);
    } finally {
      await store.close();
    }
  });
});
