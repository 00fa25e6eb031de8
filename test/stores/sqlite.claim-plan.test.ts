/**
 * The claim is flat at any backlog: each of its statements reaches due work through an index seek and stops at
 * the first job not yet due, never stepping over future jobs or sorting. Pinned by EXPLAIN QUERY PLAN on a
 * table with a large not-yet-due backlog at a higher priority, after ANALYZE (statistics present), and by the
 * claim's answer on it.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { claimRequest, fileStore, newJob, T0, queryPlan } from './sqlite.helpers.js';

const BACKLOG = 40_000;

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;
let db: Database.Database;

beforeAll(async () => {
  ({ store, path, dispose } = await fileStore());
  // Tomorrow's work, at a higher priority than today's: an index walk by priority then due time would step
  // over all of it before reaching a job due now.
  for (let i = 0; i < BACKLOG; i += 5000) {
    const batch = Array.from({ length: 5000 }, (_, k) => newJob({ name: k % 2 ? 'a' : 'b', priority: 10, nextRunAt: T0 + 86_400_000 + i + k }));
    await store.insert(batch, T0);
  }
  await store.insert([newJob({ name: 'a', nextRunAt: T0 - 2 }), newJob({ name: 'a', nextRunAt: T0 - 1 }), newJob({ name: 'b', priority: -5, nextRunAt: T0 - 3 })], T0);
  db = new Database(path);
  db.exec('ANALYZE');
}, 60_000);

afterAll(async () => {
  db?.close();
  await dispose();
});

const plan = (file: string, params: Record<string, unknown>): string[] => queryPlan(db, file, params);

describe('sqlite: the claim is flat at any backlog', () => {
  it('takes the jobs due now, under a higher-priority backlog of jobs due tomorrow', async () => {
    const claimed = await store.claim(claimRequest({ names: ['a', 'b'], limit: 10 }));
    expect(claimed.map((j) => [j.name, j.priority, j.nextRunAt - T0])).toEqual([
      ['a', 0, -2],
      ['a', 0, -1],
      ['b', -5, -3],
    ]);
    // A fallback handler (any name) walks every name at once, the same way.
    await store.insert([newJob({ name: 'c', nextRunAt: T0 - 1 })], T0);
    expect((await store.claim(claimRequest({ limit: 10 }))).map((j) => j.name)).toEqual(['c']);
  });

  it.each([
    ['claim-priority.sql', { name: 'a', at_most: Number.MAX_SAFE_INTEGER }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_name \(name=\? AND priority<\?\)$/],
    ['claim-level.sql', { name: 'a', priority: 0, now: T0, limit: 10 }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_name \(name=\? AND priority=\? AND <expr>=\? AND next_run_at<\?\)$/],
    ['claim-priority-any.sql', { at_most: Number.MAX_SAFE_INTEGER }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim \(priority<\?\)$/],
    ['claim-level-any.sql', { priority: 0, now: T0, limit: 10, skip: '[]' }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim \(priority=\? AND <expr>=\? AND next_run_at<\?\)$/],
  ])('%s seeks its index and never sorts', (file, params, search) => {
    const steps = plan(file, params);
    expect(steps[0]).toMatch(search);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE|^SCAN hourglass_jobs/m);
  });

  it.each([
    ['claim-level.sql', { name: 'a', priority: 0, now: T0, limit: 10 }],
    ['claim-level-any.sql', { priority: 0, now: T0, limit: 10, skip: '[]' }],
  ])('%s asks whether a keyed job waits for its dedupe key with one seek per index (replace)', (file, params) => {
    const steps = plan(file, params).join('\n');
    expect(steps).toMatch(/^SEARCH o USING INDEX hourglass_jobs_dedupe_live \(dedupe_key=\?/m);
    expect(steps).toMatch(/^SEARCH o USING INDEX hourglass_jobs_dedupe_held \(dedupe_key=\? AND locked_until>\?\)$/m);
    expect(steps).not.toMatch(/^SCAN o/m);
  });
});
