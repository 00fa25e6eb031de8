/**
 * every() reviving a finished repeating job deletes its entries in insert.sql (`cycle`, `forgotten`: rules/insert.ts
 * upsertStartsCycle). Pinned by EXPLAIN (ANALYZE) on 20,000 repeating jobs with 3 entries each (after ANALYZE):
 * the jobs are found through jobs_repeat_key and the entries through steps_pkey, one seek per revived job, never
 * a scan of the steps table; a pending job's entries stay.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { Statements } from '../../src/stores/postgres/sql.js';
import { availability } from '../conformance/factory.js';
import { type PlanNode, planNodes } from './postgres.claim-explain.js';
import { dropSchema, PG_URL, postgresFactory, randomSchema } from './postgres.factory.js';

const JOBS = 20_000;
const T0 = 1_800_000_000_000;
const { skip } = await availability(postgresFactory);

function input(repeatKey: string) {
  return { name: 'tick', data: 'null', priority: 0, max_attempts: null, backoff: null, timeout_ms: null, repeat: { every: 60_000 }, repeat_key: repeatKey, dedupe_key: null, dedupe_until: null, label: null, trace: null, grp: null, due_at: T0, next_run_at: T0 };
}

describe.skipIf(skip)('postgres: every() reviving a finished job at 20,000 repeating jobs', () => {
  const schema = randomSchema();
  let store: PostgresStore;
  let client: pg.Client;

  beforeAll(async () => {
    store = new PostgresStore({ connectionString: PG_URL, schema });
    await store.init({ logger: silentLogger });
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    // One in four cancelled; every job has three entries.
    await client.query(`INSERT INTO "${schema}".jobs (name, data, status, repeat, repeat_key, due_at, next_run_at, created_at, updated_at)
      SELECT 'tick', 'null', CASE WHEN i % 4 = 0 THEN 'cancelled' ELSE 'pending' END, '{"every":60000}'::jsonb, 'r' || i, ${T0}, ${T0}, ${T0}, ${T0}
      FROM generate_series(1, ${JOBS}) AS i`);
    await client.query(`INSERT INTO "${schema}".steps (job_id, key, entry) SELECT id, 'step:' || s, '{}' FROM "${schema}".jobs, generate_series(1, 3) AS s`);
    await client.query(`ANALYZE "${schema}".jobs`);
    await client.query(`ANALYZE "${schema}".steps`);
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
    await dropSchema(schema);
  });

  const entries = async (key: string) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".steps s JOIN "${schema}".jobs j ON j.id = s.job_id WHERE j.repeat_key = $1`, [key])).rows[0]!.n);

  it('deletes the cancelled job\'s entries through steps_pkey, keeps the pending one\'s, and never scans the steps table', async () => {
    expect(await entries('r8')).toBe(3);
    expect(await entries('r9')).toBe(3);
    const text = new Statements(`"${schema}"`).get('insert');
    const rows = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, [JSON.stringify([input('r8'), input('r9')]), T0, 'revive_plan']);
    const plan = planNodes(rows.rows[0]!['QUERY PLAN'][0]!.Plan);
    // (Another part of insert.sql, answering `blocked` holders, probes jobs once by a hash join that stops at an
    // empty side: not this test's concern.)
    expect(plan.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'steps')).toEqual([]);
    const deleted = plan.find((n) => n['Node Type'] === 'ModifyTable' && n['Relation Name'] === 'steps')!;
    expect(deleted['Actual Rows']).toBe(3);
    expect(planNodes(deleted).some((n) => n['Index Name'] === 'steps_pkey')).toBe(true);
    expect(plan.some((n) => n['Index Name'] === 'jobs_repeat_key' && n['Node Type'].includes('Index'))).toBe(true);
    expect(await entries('r8')).toBe(0);
    expect(await entries('r9')).toBe(3);
    const status = await client.query<{ repeat_key: string; status: string }>(`SELECT repeat_key, status FROM "${schema}".jobs WHERE repeat_key IN ('r8', 'r9') ORDER BY repeat_key`);
    expect(status.rows).toEqual([{ repeat_key: 'r8', status: 'pending' }, { repeat_key: 'r9', status: 'pending' }]);
  });
});
