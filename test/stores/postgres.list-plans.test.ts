/**
 * The console's lists and counts stay cheap at any backlog, pinned by EXPLAIN (ANALYZE) on a table of 100,000
 * jobs (after ANALYZE) or of 90,000 (never analyzed, then analyzed) and by their answers on it:
 * - pending jobs by nextRunAt (the overview's oldest waiting job): list-pending.sql, a loose index scan of the
 *   claim index, one seek per distinct priority: no sequential scan, and every scan node together reads a few
 *   hundred index entries, not the backlog;
 * - repeating jobs (the schedules view): the partial index of migration 011, which holds them alone;
 * - one group's jobs (listJobs({ group })): the partial index of migration 020, the group's jobs by id;
 * - one status's jobs in id order (the dashboard's tabs), in the generic plan the store's pool uses: finished
 *   ones a range of their status's index (migration 027), running ones from jobs_running, never a walk of the
 *   primary key past the pending backlog;
 * - one name's jobs in id order (listJobs({ name }), the console's filter), in the generic plan: a range of
 *   jobs_status_name (status, name, id: migration 026) per status, at most offset + limit rows each;
 * - pending jobs in id order (the console's pending tab) beside newer finished jobs: a range of jobs_pending_id
 *   (migration 027), in the generic and the custom plan, and so is each status's tab, and a tab of several
 *   statuses, on a table never analyzed and then analyzed (list-status.sql);
 * - the count of every status (the console's totals): one pass over the table (count-all.sql); of a few
 *   statuses, of one name or all: those statuses' entries alone (count.sql).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { JobQuery } from '../../src/core/store.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { countStatement } from '../../src/stores/postgres/count.js';
import { listStatement } from '../../src/stores/postgres/list.js';
import { Statements } from '../../src/stores/postgres/sql.js';
import { JOB_STATUSES, type JobStatus } from '../../src/core/types.js';
import { availability } from '../conformance/factory.js';
import { type PlanNode, planNodes } from './postgres.claim-explain.js';
import { dropSchema, PG_URL, postgresFactory, randomSchema } from './postgres.factory.js';
import { usePlanSchema } from './postgres.helpers.js';

const JOBS = 100_000;
const T0 = 1_800_000_000_000;
const { skip } = await availability(postgresFactory);

/**
 * Rows every scan of the table or an index read, kept or removed by its filter, over all its loops: what the
 * statement read (the rows a scan kept alone would hide a walk that filters most of what it reads). Scans of a
 * subquery's, a CTE's or a function's rows read nothing stored.
 */
const NOT_STORED = ['Subquery Scan', 'CTE Scan', 'WorkTable Scan', 'Values Scan', 'Function Scan'];
const visited = (plan: PlanNode[]) =>
  plan.filter((n) => n['Node Type'].includes('Scan') && !NOT_STORED.includes(n['Node Type'])).reduce((sum, n) => sum + ((n['Actual Rows'] ?? 0) + ((n as { 'Rows Removed by Filter'?: number })['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 0), 0);

/**
 * The plan of a list statement, run (EXPLAIN ANALYZE). 'custom': planned with its values, as a prepared
 * statement's first five executions are (and as EXPLAIN of a statement with parameters always is). 'generic':
 * planned once for any values, as the store's prepared statement is from its sixth execution on when that plan
 * looks no dearer: PREPARE, then EXPLAIN EXECUTE under force_generic_plan.
 */
async function explainList(client: pg.Client, query: JobQuery, schema: string, mode: 'custom' | 'generic'): Promise<PlanNode[]> {
  const { text, values } = listStatement(query, `"${schema}"`);
  return explainText(client, text, values, mode);
}

async function explainText(client: pg.Client, text: string, values: unknown[], mode: 'custom' | 'generic'): Promise<PlanNode[]> {
  type Explained = { 'QUERY PLAN': { Plan: PlanNode }[] };
  if (mode === 'custom') return planNodes((await client.query<Explained>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values)).rows[0]!['QUERY PLAN'][0]!.Plan);
  const literal = (v: unknown): string =>
    v === null ? 'NULL'
    : typeof v === 'number' ? String(v)
    : Array.isArray(v) ? client.escapeLiteral(`{${v.map((x: string) => `"${x.replace(/["\\]/g, '\\$&')}"`).join(',')}}`)
    : client.escapeLiteral(String(v));
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE hg_list_plan AS ${text}`);
    try {
      const rows = await client.query<Explained>(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE hg_list_plan${values.length ? `(${values.map(literal).join(', ')})` : ''}`);
      return planNodes(rows.rows[0]!['QUERY PLAN'][0]!.Plan);
    } finally {
      await client.query('DEALLOCATE hg_list_plan');
    }
  } finally {
    await client.query('ROLLBACK');
  }
}

describe.skipIf(skip)('postgres: lists that stay cheap at 100,000 jobs', () => {
  const schema = randomSchema();
  let store: PostgresStore;
  let client: pg.Client;

  beforeAll(async () => {
    store = new PostgresStore({ connectionString: PG_URL, schema });
    await store.init({ logger: silentLogger });
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    // Five priorities, ten names, due times spread over a day either side of T0, one in five finished, one in
    // 2,000 repeating; the job due earliest is the last inserted, at the lowest priority.
    await client.query(`INSERT INTO "${schema}".jobs (name, data, status, priority, repeat, due_at, next_run_at, created_at, updated_at)
      SELECT 'job-' || (i % 10), '{}', CASE WHEN i % 5 = 0 THEN 'completed' ELSE 'pending' END, ((i % 5) - 2) * 10,
             CASE WHEN i % 2000 = 7 THEN '{"every":60000}'::jsonb END,
             ${T0} + ((i::bigint * 7919) % 172800000) - 86400000, ${T0} + ((i::bigint * 7919) % 172800000) - 86400000, ${T0}, ${T0}
      FROM generate_series(1, ${JOBS}) AS i`);
    // Two groups (tenants): 'acme' with 2,000 jobs, 'tiny' with 20, both half finished, across two names.
    await client.query(`INSERT INTO "${schema}".jobs (name, data, status, priority, grp, due_at, next_run_at, created_at, updated_at)
      SELECT 'job-' || (i % 2), '{}', CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'pending' END, 0, CASE WHEN i <= 2000 THEN 'acme' ELSE 'tiny' END,
             ${T0}, ${T0}, ${T0}, ${T0}
      FROM generate_series(1, 2020) AS i`);
    await client.query(`INSERT INTO "${schema}".jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
      VALUES ('job-3', '{}', 'pending', -20, $1, $1, $2, $2)`, [T0 - 10 * 86_400_000, T0]);
    await client.query(`ANALYZE "${schema}".jobs`);
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
    await dropSchema(schema);
  });

  const explain = (query: JobQuery, mode: 'custom' | 'generic' = 'custom') => explainList(client, query, schema, mode);

  async function pendingByDue(dir: 'ASC' | 'DESC', name: string | null, limit: number, offset: number): Promise<string[]> {
    const rows = await client.query<{ id: string }>(
      `SELECT id FROM "${schema}".jobs WHERE status = 'pending' AND ($1::text IS NULL OR name = $1) ORDER BY next_run_at ${dir}, id ${dir} LIMIT $2 OFFSET $3`,
      [name, limit, offset],
    );
    return rows.rows.map((r) => String(r.id));
  }

  it('finds the pending job due earliest, and pages pending jobs by due time both ways, with and without a name', async () => {
    const list = (q: Partial<JobQuery>) => store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 1, offset: 0, ...q }).then((js) => js.map((j) => j.id));
    const [oldest] = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 1, offset: 0 });
    expect(oldest!.nextRunAt).toBe(T0 - 10 * 86_400_000);
    expect(await list({ limit: 25, offset: 40 })).toEqual(await pendingByDue('ASC', null, 25, 40));
    expect(await list({ order: { by: 'nextRunAt', dir: 'desc' }, limit: 25, offset: 7 })).toEqual(await pendingByDue('DESC', null, 25, 7));
    expect(await list({ name: 'job-3', limit: 25, offset: 3 })).toEqual(await pendingByDue('ASC', 'job-3', 25, 3));
    expect(await list({ name: 'job-4', order: { by: 'nextRunAt', dir: 'desc' }, limit: 5, offset: 0 })).toEqual(await pendingByDue('DESC', 'job-4', 5, 0));
  });

  it.each([
    [undefined, 'asc'],
    [undefined, 'desc'],
    ['job-3', 'asc'],
    ['job-3', 'desc'],
  ] as const)('reaches pending jobs by due time through index seeks alone (name %s, %s)', async (name, dir) => {
    const plan = await explain({ status: ['pending'], order: { by: 'nextRunAt', dir }, limit: 10, offset: 20, ...(name ? { name } : {}) });
    const types = plan.map((n) => n['Node Type']);
    expect(types, types.join(', ')).not.toContain('Seq Scan');
    // One name's pending jobs are read through jobs_claim_name (migration 013); every name's through
    // jobs_pending_any (migration 025), a seek per priority in use, whatever the number of names.
    const indexes = name ? ['jobs_claim_name'] : ['jobs_pending_any'];
    const scans = plan.filter((n) => n['Node Type'].includes('Scan') && !['CTE Scan', 'WorkTable Scan', 'Values Scan'].includes(n['Node Type']));
    expect(scans.map((n) => n['Index Name']).filter((i) => !indexes.includes(i as string))).toEqual([]);
    // Each (name, priority) or (priority, half) in use: a seek each for the next one, and 30 (offset + limit)
    // entries each, not 80,000.
    expect(visited(plan)).toBeLessThan(500);
  });

  it('lists repeating jobs from their partial index, whatever the order, all of them', async () => {
    const all = await store.listJobs({ repeating: true, limit: 1000, offset: 0 });
    expect(all).toHaveLength(JOBS / 2000);
    expect(all.every((j) => j.repeat !== null)).toBe(true);
    for (const order of [{ by: 'createdAt', dir: 'desc' }, { by: 'createdAt', dir: 'asc' }, { by: 'name', dir: 'asc' }, { by: 'nextRunAt', dir: 'desc' }] as const) {
      const plan = await explain({ repeating: true, order, limit: 20, offset: 0 });
      const types = plan.map((n) => n['Node Type']);
      expect(types, `${order.by}: ${types.join(', ')}`).not.toContain('Seq Scan');
      expect(plan.some((n) => n['Index Name'] === 'jobs_repeating'), order.by).toBe(true);
      expect(visited(plan)).toBeLessThanOrEqual(JOBS / 2000);
    }
  });

  it('lists one group\'s jobs from its index, whatever the status, name or order: the group\'s jobs, never the table', async () => {
    expect(await store.listJobs({ group: 'tiny', limit: 1000, offset: 0 })).toHaveLength(20);
    const queries: JobQuery[] = [
      { group: 'tiny', limit: 50, offset: 0 },
      { group: 'tiny', status: ['completed'], limit: 50, offset: 0 },
      { group: 'tiny', status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 50, offset: 0 },
      { group: 'tiny', name: 'job-1', order: { by: 'createdAt', dir: 'asc' }, limit: 50, offset: 0 },
      { group: 'tiny', order: { by: 'priority', dir: 'desc' }, limit: 50, offset: 0 },
    ];
    for (const query of queries) {
      const plan = await explain(query);
      const types = plan.map((n) => n['Node Type']);
      expect(types, `${JSON.stringify(query)}: ${types.join(', ')}`).not.toContain('Seq Scan');
      expect(plan.some((n) => n['Index Name'] === 'jobs_group'), JSON.stringify(query)).toBe(true);
      expect(visited(plan)).toBeLessThanOrEqual(20);
    }
  });

  it('lists one status newest or oldest first from that status\'s index in the generic plan, not by walking every id', async () => {
    // 30 failed and 40 running jobs among the oldest ids, below ~80,000 pending ones: a walk of the primary key
    // from the newest steps over the pending jobs until it has a page.
    await client.query(`UPDATE "${schema}".jobs SET status = 'failed', last_error = 'x' WHERE id IN (SELECT id FROM "${schema}".jobs WHERE status = 'completed' AND grp IS NULL ORDER BY id LIMIT 30)`);
    await client.query(`UPDATE "${schema}".jobs SET status = 'running', lock_token = 't', locked_by = 'w', locked_until = ${T0 + 60_000} WHERE id IN (SELECT id FROM "${schema}".jobs WHERE status = 'pending' AND grp IS NULL ORDER BY id LIMIT 40)`);
    await client.query(`ANALYZE "${schema}".jobs`);
    const slow = async (status: string, dir: 'ASC' | 'DESC', name: string | null, limit: number, offset: number) =>
      (await client.query<{ id: string }>(`SELECT id FROM "${schema}".jobs WHERE status = $1 AND ($2::text IS NULL OR name = $2) ORDER BY id ${dir} LIMIT $3 OFFSET $4`, [status, name, limit, offset])).rows.map((r) => String(r.id));
    // Finished jobs from their status's index (migration 027), the page's rows alone; running jobs from an index
    // of their status (jobs_running or jobs_status_name), sorted: all 40 of them, not the table.
    for (const [status, index, most] of [['failed', 'jobs_failed_id', 25], ['completed', 'jobs_completed_id', 25], ['running', null, 40]] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const query: JobQuery = { status: [status], order: { by: 'createdAt', dir }, limit: 20, offset: 5 };
        const plan = await explain(query, 'generic');
        const names = plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`);
        if (index !== null) expect(plan.some((n) => n['Index Name'] === index), `${status} ${dir}: ${names.join(', ')}`).toBe(true);
        // The page's rows (offset + limit), or every running job: never the backlog.
        expect(visited(plan), `${status} ${dir}: ${names.join(', ')}`).toBeLessThanOrEqual(most);
        expect((await store.listJobs(query)).map((j) => j.id), `${status} ${dir}`).toEqual(await slow(status, dir === 'asc' ? 'ASC' : 'DESC', null, 20, 5));
      }
    }
    const named: JobQuery = { status: ['completed'], name: 'job-5', limit: 10, offset: 0 };
    expect((await store.listJobs(named)).map((j) => j.id)).toEqual(await slow('completed', 'DESC', 'job-5', 10, 0));
  });

  it('lists one name\'s jobs in insertion order with a seek per status in the generic plan, not a walk past other names\' jobs', async () => {
    // 16 of the oldest jobs renamed 'rare', in four statuses, below ~100,000 jobs of other names: a walk of the
    // primary key from the newest (list.sql) stepped over all of those before it found one.
    await client.query(`UPDATE "${schema}".jobs SET name = 'rare',
        status = (ARRAY['pending', 'completed', 'failed', 'cancelled'])[1 + (r.n % 4)]
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM "${schema}".jobs WHERE grp IS NULL AND status <> 'running' ORDER BY id LIMIT 16) r
      WHERE jobs.id = r.id`);
    await client.query(`ANALYZE "${schema}".jobs`);
    const reference = async (statuses: readonly string[] | undefined, dir: 'asc' | 'desc', limit: number, offset: number) =>
      (await client.query<{ id: string }>(
        `SELECT id FROM "${schema}".jobs WHERE name = 'rare' AND ($1::text[] IS NULL OR status = ANY($1)) ORDER BY id ${dir} LIMIT $2 OFFSET $3`,
        [statuses ?? null, limit, offset],
      )).rows.map((r) => String(r.id));
    for (const statuses of [undefined, ['pending', 'failed'], ['cancelled']] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        for (const [limit, offset] of [[5, 0], [5, 3], [50, 0]] as const) {
          const query: JobQuery = { name: 'rare', order: { by: 'createdAt', dir }, limit, offset, ...(statuses ? { status: [...statuses] } : {}) };
          const what = `${statuses ?? 'all'} ${dir} ${limit}+${offset}`;
          expect((await store.listJobs(query)).map((j) => j.id), what).toEqual(await reference(statuses, dir, limit, offset));
          for (const mode of ['generic', 'custom'] as const) {
            const plan = await explain(query, mode);
            const names = plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`);
            expect(names.filter((n) => n.startsWith('Seq Scan') || n.includes('jobs_pkey')), `${mode} ${what}: ${names.join(', ')}`).toEqual([]);
            // At most offset + limit from each status's range, filtered rows included: never the other names' jobs.
            expect(visited(plan), `${mode} ${what}: ${names.join(', ')}`).toBeLessThanOrEqual((statuses?.length ?? 6) * (limit + offset));
          }
        }
      }
    }
  });

  it('lists pending jobs in id order from their own index, not by walking past newer finished jobs', async () => {
    // 20,000 jobs newer than every pending one, all completed: a walk of the primary key from the newest
    // (list.sql before migration 027) stepped over all of them before it found a pending job.
    await client.query(`INSERT INTO "${schema}".jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
      SELECT 'job-' || (i % 10), '{}', 'completed', 0, ${T0}, ${T0}, ${T0}, ${T0} FROM generate_series(1, 20000) AS i`);
    await client.query(`ANALYZE "${schema}".jobs`);
    const reference = async (dir: 'asc' | 'desc', limit: number, offset: number) =>
      (await client.query<{ id: string }>(`SELECT id FROM "${schema}".jobs WHERE status = 'pending' ORDER BY id ${dir} LIMIT $1 OFFSET $2`, [limit, offset])).rows.map((r) => String(r.id));
    for (const mode of ['generic', 'custom'] as const) {
      for (const dir of ['asc', 'desc'] as const) {
        const query: JobQuery = { status: ['pending'], order: { by: 'createdAt', dir }, limit: 20, offset: 5 };
        const what = `${mode} ${dir}`;
        expect((await store.listJobs(query)).map((j) => j.id), what).toEqual(await reference(dir, 20, 5));
        const plan = await explain(query, mode);
        const names = plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`);
        // Oldest first, a walk of the primary key finds pending jobs at once here (four in five of the oldest).
        if (dir === 'desc') expect(plan.some((n) => n['Index Name'] === 'jobs_pending_id'), `${what}: ${names.join(', ')}`).toBe(true);
        // About the page's rows (offset + limit), filtered ones included: never the newer completed jobs.
        expect(visited(plan), `${what}: ${names.join(', ')}`).toBeLessThanOrEqual(40);
      }
    }
  });
});

describe.skipIf(skip)('postgres: the console\'s tabs and totals on a table never analyzed', () => {
  const t = usePlanSchema();

  beforeAll(async () => {
    // No statistics, ever: the planner estimates from the table's size and default selectivities. 200 blocked
    // jobs (a workflow's waiting steps), 60,000 pending ones, then 30,000 newer finished ones (one in 100 failed).
    await t.client.query(`ALTER TABLE "${t.schema}".jobs SET (autovacuum_enabled = false)`);
    await t.client.query(`INSERT INTO "${t.schema}".jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at, waiting_for)
      SELECT 'job-' || (i % 10), '{}', 'blocked', 0, ${T0}, ${T0}, ${T0}, ${T0}, 1 FROM generate_series(1, 200) AS i`);
    await t.client.query(`INSERT INTO "${t.schema}".jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
      SELECT 'job-' || (i % 10), '{}', 'pending', 0, ${T0}, ${T0}, ${T0}, ${T0} FROM generate_series(1, 60000) AS i`);
    await t.client.query(`INSERT INTO "${t.schema}".jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
      SELECT 'job-' || (i % 10), '{}', CASE WHEN i % 100 = 0 THEN 'failed' ELSE 'completed' END, 0, ${T0}, ${T0}, ${T0}, ${T0}
      FROM generate_series(1, 30000) AS i`);
  }, 120_000);

  type Phase = 'never analyzed' | 'analyzed';

  async function counts(phase: Phase): Promise<void> {
    const zero = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0]));
    const reference = async (name: string | null, statuses: readonly JobStatus[]) => {
      const { rows } = await t.client.query<{ status: string; n: number }>(
        `SELECT status, count(*)::integer AS n FROM "${t.schema}".jobs WHERE ($1::text IS NULL OR name = $1) AND status = ANY($2) GROUP BY status`,
        [name, statuses],
      );
      return { ...zero, ...Object.fromEntries(rows.map((r) => [r.status, r.n])) };
    };
    const read = async (name: string | undefined, statuses: readonly JobStatus[]) => {
      const statement = countStatement(name, statuses, `"${t.schema}"`)!;
      const plan = await explainText(t.client, statement.text, statement.values, 'generic');
      return { count: visited(plan), plan: plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''} x${n['Actual Loops']}`).join(', ') };
    };
    // Every status: each job once (90,200), where a count per status read the table once per status (a
    // sequential scan each while the visibility map is unset: six passes).
    expect(await t.store.countJobs(), phase).toEqual(await reference(null, JOB_STATUSES));
    const all = await read(undefined, JOB_STATUSES);
    expect(all.count, `${phase}: ${all.plan}`).toBeLessThanOrEqual(90_200);
    // The failed tab's count (300 jobs), the running one (none) and the blocked one (200), of every name or one:
    // their own entries, where a subquery planned for an unknown status read the whole table for each.
    for (const [name, statuses] of [[undefined, ['failed']], [undefined, ['running']], [undefined, ['failed', 'running', 'blocked']], ['job-0', ['failed']], ['job-3', ['cancelled', 'running']]] as const) {
      const what = `${phase} ${name ?? 'every name'} ${statuses}`;
      const expected = await reference(name ?? null, statuses);
      expect(await t.store.countJobs(name, statuses), what).toEqual(expected);
      const { count, plan } = await read(name, statuses);
      // Each counted entry at most twice (a bitmap's index and heap), and no other status's.
      const counted = Object.values(expected).reduce((a, b) => a + b, 0);
      expect(count, `${what}: ${plan}`).toBeLessThanOrEqual(2 * Math.max(300, counted));
  }
    expect((await t.store.countJobs(undefined, ['failed'])).failed).toBe(300);
    // The totals and each asked name's counts (the overview's): one pass too, where countJobs() and a
    // countJobs(name) per name read every job twice.
    const names = ['job-0', 'job-3', 'nobody'];
    expect(await t.store.countJobsByName(names), phase).toEqual({
      all: await reference(null, JOB_STATUSES),
      byName: await Promise.all(names.map((name) => reference(name, JOB_STATUSES))),
    });
    const plan = await explainText(t.client, new Statements(`"${t.schema}"`).get('count-by-name'), [names], 'generic');
    expect(visited(plan), `${phase}: ${plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''} x${n['Actual Loops']}`).join(', ')}`).toBeLessThanOrEqual(90_200);
  }

  async function tabs(phase: Phase): Promise<void> {
    const cases: [JobStatus[], string[]][] = [
      [['pending'], ['jobs_pending_id']],
      [['completed'], ['jobs_completed_id']],
      [['failed'], ['jobs_failed_id']],
      // Blocked jobs from their own index (migration 028), where they were all read and sorted for a page.
      [['blocked'], ['jobs_blocked_id']],
      [['pending', 'running'], ['jobs_pending_id']],
      [['pending', 'blocked'], ['jobs_pending_id', 'jobs_blocked_id']],
      [['completed', 'failed', 'cancelled'], ['jobs_completed_id', 'jobs_failed_id', 'jobs_cancelled_id']],
    ];
    for (const [statuses, indexes] of cases) {
      for (const dir of ['asc', 'desc'] as const) {
        const query: JobQuery = { status: statuses, order: { by: 'createdAt', dir }, limit: 20, offset: 5 };
        const what = `${phase} ${statuses} ${dir}`;
        const reference = await t.client.query<{ id: string }>(`SELECT id FROM "${t.schema}".jobs WHERE status = ANY($1) ORDER BY id ${dir} LIMIT 20 OFFSET 5`, [statuses]);
        expect((await t.store.listJobs(query)).map((j) => j.id), what).toEqual(reference.rows.map((r) => String(r.id)));
        const plan = await explainList(t.client, query, t.schema, 'generic');
        const names = plan.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''}`);
        for (const index of indexes) expect(plan.some((n) => n['Index Name'] === index), `${what}: ${names.join(', ')}`).toBe(true);
        expect(names.filter((n) => n.includes('jobs_pkey') || n.startsWith('Seq Scan')), `${what}: ${names.join(', ')}`).toEqual([]);
        // The page's rows (offset + limit) from each status: neither every job of a status nor the others' jobs.
        expect(visited(plan), `${what}: ${names.join(', ')}`).toBeLessThanOrEqual(25 * statuses.length);
      }
  }
  }

  it('counts every status in one pass and a few statuses from their entries alone, and pages each tab from its statuses\' indexes, before any statistics', async () => {
    await counts('never analyzed');
    await tabs('never analyzed');
  });

  it('does the same once analyzed, when each status\'s share made a walk of the primary key look short', async () => {
    // A page of completed jobs oldest first walked the 60,000 older pending ones, a page of pending ones newest
    // first the 30,000 newer completed ones; a subquery counting an unknown status read the whole table.
    await t.client.query(`ANALYZE "${t.schema}".jobs`);
    await counts('analyzed');
    await tabs('analyzed');
  });
});
