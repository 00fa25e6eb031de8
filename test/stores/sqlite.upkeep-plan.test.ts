/**
 * Groups' upkeep and rate wake-ups stay flat with 10,000 groups (EXPLAIN QUERY PLAN, after ANALYZE): a page of
 * groups is a range of hourglass_groups' key, each group's check is index seeks (never a scan of the name's jobs),
 * and the earliest start of a name's rate windows is one seek of hourglass_rate_first (migration 015).
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/core/store.js';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { claimRequest, fileStore, newJob, T0, queryPlan } from './sqlite.helpers.js';

const GROUPS = 10_000;

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;
let db: Database.Database;
let taken: ClaimedJob[];

beforeAll(async () => {
  ({ store, path, dispose } = await fileStore());
  await store.insert(Array.from({ length: GROUPS }, (_, i) => newJob({ name: 'a', group: `t${String(i).padStart(5, '0')}` })), T0);
  // Every group served once under a rate per group: a row each in hourglass_rate.
  taken = await store.claim(claimRequest({ names: ['a'], limit: GROUPS, limits: [{ name: 'a', rate: { max: 1, perMs: 1000, byGroup: true } }] }));
  db = new Database(path);
  db.exec('ANALYZE');
}, 120_000);

afterAll(async () => {
  db?.close();
  await dispose();
});

const plan = (file: string, params: Record<string, unknown>): string => queryPlan(db, file, params).join('\n');

describe('sqlite: groups upkeep and rate wake-ups are flat with 10,000 groups', () => {
  it('group-prune-page.sql reads a range of hourglass_groups, no sort', () => {
    const steps = plan('group-prune-page.sql', { name: 'a', grp: 't00100', limit: 1000 });
    expect(steps).toMatch(/^SEARCH hourglass_groups USING PRIMARY KEY \(/m);
    expect(steps).not.toMatch(/SCAN|TEMP B-TREE/);
  });

  it('group-prune-keep.sql checks a group with index seeks only', () => {
    const steps = plan('group-prune-keep.sql', { name: 'a', grp: 't00100', now: T0, rate_before: T0 });
    expect(steps).toMatch(/SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_group \(name=\? AND job_group=\?\)/);
    expect(steps).toMatch(/SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_group_slots \(name=\? AND job_group=\?/);
    expect(steps).toMatch(/SEARCH hourglass_jobs USING INDEX hourglass_jobs_blocked \(name=\?\)/);
    expect(steps).toMatch(/SEARCH hourglass_rate USING PRIMARY KEY \(name=\? AND rate_key=\? AND at>\?\)/);
    expect(steps).not.toMatch(/^SCAN (?!CONSTANT ROW)/m);
  });

  it('rate-free-groups.sql finds the earliest start of a name in any window with one seek', () => {
    const steps = plan('rate-free-groups.sql', { name: 'a', since: T0 - 1000 });
    expect(steps).toMatch(/SEARCH hourglass_rate USING COVERING INDEX hourglass_rate_first \(name=\? AND at>\?\)/);
    expect(steps).not.toMatch(/SCAN/);
  });

  it('forgets the 10,000 groups, a bounded page at a time, once their jobs are gone', async () => {
    expect(taken).toHaveLength(GROUPS); // one per group, within its rate
    await store.settle(taken.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0 + 2, history: null })));
    let cursor: string | null = null;
    let forgotten = 0;
    let calls = 0;
    do {
      const started = performance.now();
      const result = await store.pruneGroups({ now: T0 + 3, rateBefore: T0 + 3, limit: 1000, cursor });
      expect(performance.now() - started).toBeLessThan(2_000);
      forgotten += result.forgotten;
      cursor = result.next;
      calls++;
    } while (cursor !== null);
    expect(forgotten).toBe(GROUPS);
    expect(calls).toBe(GROUPS / 1000 + 1);
    expect(db.prepare('SELECT count(*) AS n FROM hourglass_groups').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM hourglass_rate').get()).toEqual({ n: 0 });
  });
});
