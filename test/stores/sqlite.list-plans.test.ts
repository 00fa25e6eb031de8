/**
 * Two lists stay cheap at any backlog, pinned by EXPLAIN QUERY PLAN on a table of 100,000 jobs (after ANALYZE)
 * and by their answers on it:
 * - pending jobs by nextRunAt (the overview's oldest waiting job): a loose index scan of the claim index, one
 *   seek per distinct priority, never a scan of the backlog or a sort of it (list.ts pendingStatements);
 * - repeating jobs (the schedules view): the partial index of migration 007, which holds them alone;
 * - one group's jobs (listJobs({ group })): the partial index of migration 014, the group's jobs by id;
 * - one status's jobs in id order (the dashboard's tabs): finished ones a range of hourglass_jobs_finished,
 *   running and blocked ones from their own partial indexes, never a walk of the primary key past the backlog;
 * - one name's jobs in id order (listJobs({ name }), the console's filter): a range led by the name in each
 *   status's index, merged, never a walk past the other names' jobs;
 * - counts (the overview's, every name and each name): each status a range of its own index, a name's a range
 *   led by the name, never a sort of every entry (count.sql, count-name.sql).
 */
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobQuery } from '../../src/core/store.js';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { listStatement, pendingStatements } from '../../src/stores/sqlite/list.js';
import { fileStore, queryPlan, T0 } from './sqlite.helpers.js';
import { JOB_STATUSES, type JobStatus } from '../../src/core/types.js';

const JOBS = 100_000;

let store: SqliteStore;
let path: string;
let dispose: () => Promise<void>;
let db: Database.Database;

beforeAll(async () => {
  ({ store, path, dispose } = await fileStore());
  db = new Database(path);
  // 100,000 jobs in one statement: five priorities, ten names, due times spread over a day either side of T0,
  // one in five finished, one in 2,000 repeating. The job due earliest is the last inserted, at the lowest priority.
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${JOBS})
    INSERT INTO hourglass_jobs (name, data, status, priority, repeat, due_at, next_run_at, created_at, updated_at)
    SELECT 'job-' || (i % 10), '{}', CASE WHEN i % 5 = 0 THEN 'completed' ELSE 'pending' END, ((i % 5) - 2) * 10,
           CASE WHEN i % 2000 = 7 THEN '{"every":60000}' END,
           ${T0} + ((i * 7919) % 172800000) - 86400000, ${T0} + ((i * 7919) % 172800000) - 86400000, ${T0}, ${T0}
    FROM n`);
  // Two groups (tenants): 'acme' with 2,000 jobs, 'tiny' with 20, both half finished, across two names.
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2020)
    INSERT INTO hourglass_jobs (name, data, status, priority, job_group, due_at, next_run_at, created_at, updated_at)
    SELECT 'job-' || (i % 2), '{}', CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'pending' END, 0, CASE WHEN i <= 2000 THEN 'acme' ELSE 'tiny' END,
           ${T0}, ${T0}, ${T0}, ${T0}
    FROM n`);
  db.prepare(`INSERT INTO hourglass_jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
    VALUES ('job-3', '{}', 'pending', -20, ?, ?, ?, ?)`).run(T0 - 10 * 86_400_000, T0 - 10 * 86_400_000, T0, T0);
  db.exec('ANALYZE');
}, 120_000);

afterAll(async () => {
  db?.close();
  await dispose();
});

function plan(text: string, params: Record<string, unknown>): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[]).map((r) => r.detail);
}

/** What the whole table says, the slow way: every pending row sorted. */
function pendingByDue(dir: 'ASC' | 'DESC', name: string | null, limit: number, offset: number): string[] {
  const ids = db
    .prepare(`SELECT id FROM hourglass_jobs NOT INDEXED WHERE status = 'pending' AND (@name IS NULL OR name = @name)
      ORDER BY next_run_at ${dir}, id ${dir} LIMIT @limit OFFSET @offset`)
    .pluck()
    .all({ name, limit, offset }) as number[];
  return ids.map(String);
}

describe('sqlite: lists that stay cheap at 100,000 jobs', () => {
  it('finds the pending job due earliest, and pages pending jobs by due time both ways, with and without a name', async () => {
    const list = (q: Partial<JobQuery>) => store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 1, offset: 0, ...q }).then((js) => js.map((j) => j.id));
    const [oldest] = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 1, offset: 0 });
    expect(oldest!.nextRunAt).toBe(T0 - 10 * 86_400_000);
    expect(await list({ limit: 25, offset: 40 })).toEqual(pendingByDue('ASC', null, 25, 40));
    expect(await list({ order: { by: 'nextRunAt', dir: 'desc' }, limit: 25, offset: 7 })).toEqual(pendingByDue('DESC', null, 25, 7));
    expect(await list({ name: 'job-3', limit: 25, offset: 3 })).toEqual(pendingByDue('ASC', 'job-3', 25, 3));
    expect(await list({ name: 'job-4', order: { by: 'nextRunAt', dir: 'desc' }, limit: 5, offset: 0 })).toEqual(pendingByDue('DESC', 'job-4', 5, 0));
  });

  it.each([
    [false, 'asc'],
    [false, 'desc'],
    [true, 'asc'],
    [true, 'desc'],
  ] as const)('reaches pending jobs by due time through index seeks alone (named %s, %s)', (named, dir) => {
    const texts = pendingStatements(named, dir);
    const index = named ? 'hourglass_jobs_claim_name' : 'hourglass_jobs_claim';
    const name = named ? { name: 'job-3' } : {};
    const keys = named ? 'name=\\? AND ' : '';
    expect(plan(texts.nextPriority, { ...name, below: 0 })).toEqual([expect.stringMatching(new RegExp(`^SEARCH hourglass_jobs USING COVERING INDEX ${index} \\(${keys}priority<\\?\\)$`))]);
    // One priority's head (each half: ungrouped, grouped): a seek and a walk in index order, stopped at the
    // limit (no temporary B-tree: no sort).
    expect(plan(texts.head, { ...name, priority: 0, grouped: 0, want: 10 })).toEqual([expect.stringMatching(new RegExp(`^SEARCH hourglass_jobs USING INDEX ${index} \\(${keys}priority=\\? AND <expr>=\\?\\)$`))]);
  });

  it('lists repeating jobs from their partial index, in insertion order without a sort, all of them', async () => {
    const all = await store.listJobs({ repeating: true, limit: 1000, offset: 0 });
    expect(all).toHaveLength(JOBS / 2000);
    expect(all.every((j) => j.repeat !== null)).toBe(true);
    for (const dir of ['asc', 'desc'] as const) {
      const { text, params } = listStatement({ repeating: true, order: { by: 'createdAt', dir }, limit: 50, offset: 0 });
      const steps = plan(text, params);
      expect(steps, steps.join('\n')).toEqual([expect.stringMatching(/^SCAN hourglass_jobs USING INDEX hourglass_jobs_repeating$/)]);
    }
    // Any other order sorts the repeating jobs only: still read through the partial index.
    const { text, params } = listStatement({ repeating: true, order: { by: 'name', dir: 'asc' }, limit: 50, offset: 0 });
    expect(plan(text, params)[0]).toMatch(/USING INDEX hourglass_jobs_repeating/);
  });

  it('lists one group\'s jobs from its index, whatever the status, name or order: the group\'s jobs, never the table', async () => {
    const tiny = await store.listJobs({ group: 'tiny', limit: 1000, offset: 0 });
    expect(tiny).toHaveLength(20);
    expect((await store.listJobs({ group: 'tiny', status: ['completed'], name: 'job-0', limit: 1000, offset: 0 })).every((j) => j.group === 'tiny' && j.status === 'completed')).toBe(true);
    const queries: JobQuery[] = [
      { group: 'tiny', limit: 50, offset: 0 },
      { group: 'tiny', status: ['completed'], limit: 50, offset: 0 },
      { group: 'tiny', status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 50, offset: 0 },
      { group: 'acme', name: 'job-1', order: { by: 'createdAt', dir: 'asc' }, limit: 50, offset: 0 },
      { group: 'acme', order: { by: 'priority', dir: 'desc' }, limit: 50, offset: 0 },
    ];
    for (const query of queries) {
      const { text, params } = listStatement(query);
      const steps = plan(text, params);
      expect(steps[0], `${JSON.stringify(query)}: ${steps.join('; ')}`).toMatch(/^SEARCH hourglass_jobs USING INDEX hourglass_jobs_group \(job_group=\?\)$/);
    }
  });

  it('lists one status newest or oldest first from that status\'s index, not by walking every id', async () => {
    // The finished jobs are the oldest fifth's ids mixed with 80,000 pending ones: a walk of the primary key
    // from the newest steps over pending jobs until it has a page.
    db.exec(`UPDATE hourglass_jobs SET status = 'failed', last_error = 'x' WHERE id IN (SELECT id FROM hourglass_jobs WHERE status = 'completed' ORDER BY id LIMIT 30)`);
    db.exec(`UPDATE hourglass_jobs SET status = 'running', lock_token = 't', locked_by = 'w', locked_until = ${T0 + 60_000} WHERE id IN (SELECT id FROM hourglass_jobs WHERE status = 'pending' ORDER BY id LIMIT 40)`);
    db.exec(`UPDATE hourglass_jobs SET status = 'blocked' WHERE id IN (SELECT id FROM hourglass_jobs WHERE status = 'pending' AND name = 'job-2' ORDER BY id LIMIT 25)`);
    const slow = (status: string, dir: 'ASC' | 'DESC', name: string | null, limit: number, offset: number) =>
      (db.prepare(`SELECT id FROM hourglass_jobs NOT INDEXED WHERE status = @status AND (@name IS NULL OR name = @name) ORDER BY id ${dir} LIMIT @limit OFFSET @offset`)
        .pluck().all({ status, name, limit, offset }) as number[]).map(String);
    const cases: [string, RegExp][] = [
      ['completed', /^SEARCH hourglass_jobs USING INDEX hourglass_jobs_finished \(status=\?\)$/],
      ['failed', /^SEARCH hourglass_jobs USING INDEX hourglass_jobs_finished \(status=\?\)$/],
      ['cancelled', /^SEARCH hourglass_jobs USING INDEX hourglass_jobs_finished \(status=\?\)$/],
      ['running', /^SCAN hourglass_jobs USING INDEX hourglass_jobs_running$/],
      ['blocked', /^SCAN hourglass_jobs USING INDEX hourglass_jobs_blocked_id$/],
    ];
    for (const [status, search] of cases) {
      for (const dir of ['asc', 'desc'] as const) {
        const query: JobQuery = { status: [status as JobQuery['status'] & string], order: { by: 'createdAt', dir }, limit: 20, offset: 5 } as JobQuery;
        const steps = plan(listStatement(query).text, listStatement(query).params);
        expect(steps[0], `${status} ${dir}: ${steps.join('; ')}`).toMatch(search);
        // Finished and blocked jobs come in id order from their index (blocked ones from migration 019: a
        // fan-out's waiting steps can be many); running ones (a worker's slots) are sorted, never the backlog.
        if (status !== 'running') expect(steps.join('; ')).not.toMatch(/TEMP B-TREE/);
        const ids = (await store.listJobs(query)).map((j) => j.id);
        expect(ids, `${status} ${dir}`).toEqual(slow(status, dir === 'asc' ? 'ASC' : 'DESC', null, 20, 5));
      }
    }
    // With a name too: blocked jobs by (name, id), finished ones filtered along their status's range.
    const named: JobQuery = { status: ['blocked'], name: 'job-2', limit: 10, offset: 0 };
    expect(plan(listStatement(named).text, listStatement(named).params)).toContain('SEARCH hourglass_jobs USING INDEX hourglass_jobs_blocked (name=?)');
    expect((await store.listJobs(named)).map((j) => j.id)).toEqual(slow('blocked', 'DESC', 'job-2', 10, 0));
    const finishedNamed: JobQuery = { status: ['completed'], name: 'job-5', limit: 10, offset: 0 };
    expect((await store.listJobs(finishedNamed)).map((j) => j.id)).toEqual(slow('completed', 'DESC', 'job-5', 10, 0));
  });
});

describe('sqlite: one name\'s jobs in insertion order at 100,000 jobs', () => {
  it('reads a range of each status\'s index led by the name, never the other names\' jobs, and answers as the table does', async () => {
    // 16 of the oldest jobs renamed 'rare', in four statuses, below ~100,000 jobs of other names: a walk of the
    // primary key from the newest stepped over all of those before it found one.
    db.exec(`UPDATE hourglass_jobs SET name = 'rare',
        status = CASE id % 4 WHEN 0 THEN 'pending' WHEN 1 THEN 'completed' WHEN 2 THEN 'failed' ELSE 'cancelled' END
      WHERE id IN (SELECT id FROM hourglass_jobs WHERE job_group IS NULL AND status <> 'running' AND status <> 'blocked' ORDER BY id LIMIT 16)`);
    const slow = (statuses: readonly string[] | undefined, dir: 'ASC' | 'DESC', limit: number, offset: number) =>
      (db.prepare(`SELECT id FROM hourglass_jobs NOT INDEXED WHERE name = 'rare' AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
          ORDER BY id ${dir} LIMIT @limit OFFSET @offset`)
        .pluck().all({ statuses: statuses ? JSON.stringify(statuses) : null, limit, offset }) as number[]).map(String);
    for (const statuses of [undefined, ['pending', 'failed'], ['cancelled']] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        for (const [limit, offset] of [[5, 0], [5, 3], [50, 0]] as const) {
          const query: JobQuery = { name: 'rare', order: { by: 'createdAt', dir }, limit, offset, ...(statuses ? { status: [...statuses] } : {}) };
          const what = `${statuses ?? 'all'} ${dir} ${limit}+${offset}`;
          expect((await store.listJobs(query)).map((j) => j.id), what).toEqual(slow(statuses, dir === 'asc' ? 'ASC' : 'DESC', limit, offset));
          const steps = plan(listStatement(query).text, listStatement(query).params);
          const reads = steps.filter((d) => /^(SCAN|SEARCH) hourglass_jobs\b/.test(d));
          // Each read led by the name, but for running jobs (a worker's slots, from their index) and the walk of
          // ids that only a name with 10,000 pending jobs or more takes (its LIMIT is 0 otherwise).
          const pending = !statuses || (statuses as readonly string[]).includes('pending');
          expect(reads.filter((d) => !/\(name=\?/.test(d) && d !== 'SCAN hourglass_jobs USING INDEX hourglass_jobs_running' && !(pending && d === 'SCAN hourglass_jobs')), `${what}: ${steps.join('; ')}`).toEqual([]);
        }
      }
    }
  });

  it('pages a name with a big pending backlog by walking ids, and answers as the table does on both sides of the bound', async () => {
    // job-7 has ~8,000 pending jobs here, below the 10,000 the claim index is sorted for; 4,000 more take it past.
    const slow = (name: string, dir: 'ASC' | 'DESC', limit: number, offset: number) =>
      (db.prepare(`SELECT id FROM hourglass_jobs NOT INDEXED WHERE name = @name ORDER BY id ${dir} LIMIT @limit OFFSET @offset`).pluck().all({ name, limit, offset }) as number[]).map(String);
    const check = async () => {
      for (const dir of ['asc', 'desc'] as const) {
        for (const status of [undefined, ['pending']] as const) {
          const query: JobQuery = { name: 'job-7', order: { by: 'createdAt', dir }, limit: 20, offset: 10, ...(status ? { status: [...status] } : {}) };
          const want = status
            ? (db.prepare(`SELECT id FROM hourglass_jobs NOT INDEXED WHERE name = 'job-7' AND status = 'pending' ORDER BY id ${dir} LIMIT 20 OFFSET 10`).pluck().all() as number[]).map(String)
            : slow('job-7', dir === 'asc' ? 'ASC' : 'DESC', 20, 10);
          expect((await store.listJobs(query)).map((j) => j.id), `${dir} ${status ?? 'all'}`).toEqual(want);
        }
      }
    };
    const pendingOf = () => db.prepare(`SELECT count(*) FROM hourglass_jobs WHERE name = 'job-7' AND status = 'pending'`).pluck().get() as number;
    expect(pendingOf()).toBeLessThan(10_000);
    await check();
    db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000)
      INSERT INTO hourglass_jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
      SELECT 'job-7', '{}', 'pending', 0, ${T0}, ${T0}, ${T0}, ${T0} FROM n`);
    expect(pendingOf()).toBeGreaterThanOrEqual(10_000);
    await check();
  });
});

describe('sqlite: counts at 100,000 jobs', () => {
  const every = { pending: 1, running: 1, completed: 1, failed: 1, cancelled: 1, blocked: 1 };

  it('counts each finished status as a range of hourglass_jobs_finished, with nothing grouped or sorted', () => {
    const steps = queryPlan(db, 'count.sql', every);
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE/);
    expect(steps.filter((s) => /^SEARCH hourglass_jobs USING COVERING INDEX hourglass_jobs_finished \(status=\?\)$/.test(s)), steps.join('\n')).toHaveLength(3);
  });

  it("counts one name's jobs from ranges led by the name, never a scan of the other names' entries", () => {
    const steps = queryPlan(db, 'count-name.sql', { ...every, name: 'job-3' });
    expect(steps.join('\n')).not.toMatch(/TEMP B-TREE/);
    expect(steps, steps.join('\n')).toContain('SEARCH hourglass_jobs USING COVERING INDEX hourglass_jobs_claim_name (name=?)');
    expect(steps).toContain('SEARCH hourglass_jobs USING COVERING INDEX hourglass_jobs_blocked (name=?)');
    expect(steps.filter((s) => s === 'SEARCH hourglass_jobs USING COVERING INDEX hourglass_jobs_finished_name (name=? AND status=?)')).toHaveLength(3);
    // Running jobs are read from their partial index and their rows filtered by name: a worker's slots.
    expect(steps.filter((s) => s.startsWith('SCAN'))).toEqual([expect.stringMatching(/ hourglass_jobs_running$/)]);
  });

  it('answers what a count of the whole table says, for every name, each name, a name without jobs and a subset of statuses', async () => {
    db.exec(`UPDATE hourglass_jobs SET status = 'cancelled' WHERE id IN (SELECT id FROM hourglass_jobs WHERE status = 'completed' AND name = 'job-5' ORDER BY id LIMIT 17)`);
    const slow = (name: string | null): Record<JobStatus, number> => {
      const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
      const rows = db.prepare('SELECT status, count(*) AS n FROM hourglass_jobs NOT INDEXED WHERE (@name IS NULL OR name = @name) GROUP BY status').all({ name }) as { status: JobStatus; n: number }[];
      for (const row of rows) counts[row.status] = row.n;
      return counts;
    };
    for (const name of [undefined, 'job-2', 'job-5', 'nobody']) expect(await store.countJobs(name), String(name)).toEqual(slow(name ?? null));
    const some = await store.countJobs('job-5', ['cancelled', 'pending']);
    expect(some).toEqual({ ...Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])), cancelled: 17, pending: slow('job-5').pending });
  });
});
