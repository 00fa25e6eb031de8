/** Shared by the SQLite-specific test files: a store on a fresh file, and the records the tests send it. */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimRequest, HistoryEntry, Settlement } from '../../src/core/store.js';
import type Database from 'better-sqlite3';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { sqlText } from '../../src/stores/sqlite/statements.js';

export const T0 = 1_800_000_000_000;

/** The store contract's job builder (same T0), so both suites send the same records. */
export { newJob } from '../conformance/store-contract.js';

export function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now: T0, workerId: 'w1', lockToken: randomUUID(), limit: 10, names: null, limits: [], lockLifetimeMs: 30_000, ...overrides };
}

export function historyEntry(overrides: Partial<HistoryEntry> = {}): HistoryEntry {
  return { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 10, error: null, stack: null, result: null, workerId: 'w1', ...overrides };
}

export function settlement(id: string, lockToken: string, overrides: Partial<Settlement> = {}): Settlement {
  return { id, lockToken, status: 'completed', finishedAt: T0 + 10, history: historyEntry(), ...overrides };
}

/** A store on its own file in a fresh directory; `dispose` closes it and removes the directory. */
export async function fileStore(): Promise<{ store: SqliteStore; path: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-'));
  const path = join(dir, 'jobs.db');
  const store = new SqliteStore({ path });
  await store.init({ logger: silentLogger });
  return {
    store,
    path,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** EXPLAIN QUERY PLAN of a statement file as the store runs it (fragments in, comments out), one line a step. */
export function queryPlan(db: Database.Database, file: string, params: unknown[] | Record<string, unknown>): string[] {
  const text = sqlText(file).replace(/^--.*$/gm, '').trim();
  return (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[]).map((r) => r.detail);
}

/**
 * Runs an ES module `program` (its imports relative to the repository, TypeScript allowed) in a child node and
 * waits for it to exit by itself: what it printed, and its exit code.
 */
export async function runProgram(program: string): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}
