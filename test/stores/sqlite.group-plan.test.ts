/**
 * The grouped claim is flat with 10,000 groups: each statement it runs reaches its rows through an index seek
 * (EXPLAIN QUERY PLAN, after ANALYZE), never a scan or a sort, and a claim serves groups in rotation order
 * whatever their number and backlog. Beside them: a tenant with a 20,000-job backlog and 10,000 idle groups
 * with work for tomorrow, which a claim never reads.
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { claimRequest, fileStore, newJob, T0, queryPlan } from './sqlite.helpers.js';

const GROUPS = 10_000;
const BIG = 20_000;

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;
let db: Database.Database;

beforeAll(async () => {
  ({ store, path, dispose } = await fileStore());
  await store.insert(Array.from({ length: BIG }, () => newJob({ name: 'a', group: 'big' })), T0 - 1);
  await store.insert(Array.from({ length: GROUPS }, (_, i) => newJob({ name: 'a', group: `t${String(i).padStart(5, '0')}` })), T0);
  await store.insert(Array.from({ length: GROUPS }, (_, i) => newJob({ name: 'a', group: `idle${i}`, nextRunAt: T0 + 86_400_000 })), T0);
  // Ungrouped work of the same name, at a higher priority: the ungrouped walk never steps over grouped jobs.
  await store.insert([newJob({ name: 'a', priority: 5, data: 'plain' })], T0);
  db = new Database(path);
  db.exec('ANALYZE');
}, 120_000);

afterAll(async () => {
  db?.close();
  await dispose();
});

const plan = (file: string, params: Record<string, unknown>): string[] => queryPlan(db, file, params);

describe('sqlite: the grouped claim is flat with 10,000 groups', () => {
  it('serves groups in rotation order, one job each, with a big backlog and idle groups beside them', async () => {
    const first = await store.claim(claimRequest({ names: ['a'], limit: 5, limits: [{ name: 'a', groupConcurrency: 1 }] }));
    expect(first.map((j) => j.data === 'plain' ? 'plain' : j.group)).toEqual(['plain', 'big', 't00000', 't00001', 't00002']);
    const second = await store.claim(claimRequest({ names: ['a'], limit: 3, limits: [{ name: 'a', groupConcurrency: 1 }] }));
    // big is at its cap (one running) and the groups served go last: the rotation continues.
    expect(second.map((j) => j.group)).toEqual(['t00003', 't00004', 't00005']);
    // The rotation goes on claim after claim: each takes the next ten groups in turn, one job each. (That a
    // claim reads only the groups it reaches, whatever their number, is pinned by the plans below, not timed.)
    const groups: string[] = [];
    for (let i = 0; i < 20; i++) {
      const claimed = await store.claim(claimRequest({ names: ['a'], limit: 10, limits: [{ name: 'a', groupConcurrency: 1 }] }));
      groups.push(...claimed.map((j) => j.group!));
    }
    expect(groups).toEqual(Array.from({ length: 200 }, (_, i) => `t${String(i + 6).padStart(5, '0')}`));
  });

  it('claim-group-level.sql asks whether a keyed job waits for its dedupe key with one seek per index (replace)', () => {
    const steps = plan('claim-group-level.sql', { name: 'a', grp: 'big', priority: 0, now: T0, limit: 10 }).join('\n');
    expect(steps).toMatch(/^SEARCH o USING INDEX hourglass_jobs_dedupe_live \(dedupe_key=\?/m);
    expect(steps).toMatch(/^SEARCH o USING INDEX hourglass_jobs_dedupe_held \(dedupe_key=\? AND locked_until>\?\)$/m);
    expect(steps).not.toMatch(/^SCAN o/m);
  });

  it.each([
    ['group-rotation.sql', { name: 'a', served: -1, grp: '', limit: 64 }, /^SEARCH hourglass_groups USING (COVERING )?INDEX hourglass_groups_rotation \(name=\? AND \(served,grp\)>\(\?,\?\)\)$/],
    ['group-promote.sql', { name: 'a', now: T0 }, /^SEARCH hourglass_groups USING (COVERING )?INDEX hourglass_groups_wake \(name=\? AND wake_at>\? AND wake_at<\?\)$/],
    ['claim-group-priority.sql', { name: 'a', grp: 'big', at_most: Number.MAX_SAFE_INTEGER }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_group \(name=\? AND job_group=\? AND priority<\?\)$/],
    ['claim-group-level.sql', { name: 'a', grp: 'big', priority: 0, now: T0, limit: 10 }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_group \(name=\? AND job_group=\? AND priority=\? AND next_run_at<\?\)$/],
    ['group-slots.sql', { name: 'a', grp: 'big', now: T0 }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_group_slots \(name=\? AND job_group=\?\)$/],
    ['group-stamp.sql', {}, /^SEARCH hourglass_groups USING COVERING INDEX hourglass_groups_served$/],
    ['group-next-due.sql', { name: 'a', grp: 'big', priority: 0 }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_group \(name=\? AND job_group=\? AND priority=\?\)$/],
    ['group-names.sql', { after: '' }, /^SEARCH hourglass_groups USING (COVERING )?(PRIMARY KEY|INDEX sqlite_autoindex_hourglass_groups_1) \(name>\?\)$/],
    ['claim-level.sql', { name: 'a', priority: 0, now: T0, limit: 10 }, /^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_claim_name \(name=\? AND priority=\? AND <expr>=\? AND next_run_at<\?\)$/],
  ])('%s seeks its index and never sorts', (file, params, search) => {
    const steps = plan(file, params);
    expect(steps[0]).toMatch(search);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE|^SCAN hourglass_/m);
  });
});
