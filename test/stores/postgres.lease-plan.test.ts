/**
 * The statements that act on a worker's own running jobs (heartbeat, settle, progress, a durable step's save),
 * and the stamp of the groups a claim served, fetch those jobs by primary key, whatever the statistics say. Pinned on the trap that made them
 * walk every running job: statistics taken while nothing ran (autovacuum analyzes whenever it likes), then
 * 20,000 jobs running, and each statement EXPLAINed in the generic plan the store's pool uses. Before, a
 * heartbeat of 500 leases among 26,000 running jobs took 2.6-4.4 s: longer than a heartbeat may take, so the
 * worker would have given up its runs as lost.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimedJob } from '../../src/core/store.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { settleParams } from '../../src/stores/postgres/params.js';
import { Statements, substitute } from '../../src/stores/postgres/sql.js';
import { loadAsset } from '../../src/core/assets.js';
import { availability } from '../conformance/factory.js';
import { claimExplainer, describePlan, pagesOf, type PlanNode, planNodes } from './postgres.claim-explain.js';
import { dropSchema, PG_URL, postgresFactory, randomSchema } from './postgres.factory.js';
import { copyJob, usePlanSchema } from './postgres.helpers.js';

const RUNNING = 20_000;
const BATCH = 200;
const T0 = 1_800_000_000_000;
const { skip } = await availability(postgresFactory);

describe.skipIf(skip)('postgres: a worker\'s own jobs by primary key, with statistics from an idle moment', () => {
  const schema = randomSchema();
  let store: PostgresStore;
  let client: pg.Client;
  let running: ClaimedJob[] = [];

  beforeAll(async () => {
    store = new PostgresStore({ connectionString: PG_URL, schema });
    await store.init({ logger: silentLogger });
    // As the store's own pool runs its statements (store.ts): generic plans, JIT off.
    client = new pg.Client({ connectionString: PG_URL, options: '-c plan_cache_mode=force_generic_plan -c jit=off' });
    await client.connect();
    await client.query(`ALTER TABLE "${schema}".jobs SET (autovacuum_enabled = false)`);
    const [template] = await store.insert([{ name: 'work', data: { i: 0 }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt: T0, nextRunAt: T0 }], T0);
    await copyJob(schema, template!.job.id, RUNNING * 3);
    // Statistics of an idle moment: nothing running.
    await client.query(`ANALYZE "${schema}".jobs`);
    while (running.length < RUNNING) {
      running = running.concat(await store.claim({ now: T0, workerId: 'w', lockToken: `t${running.length}`, limit: 5_000, names: ['work'], limits: [], lockLifetimeMs: 3_600_000 }));
    }
  }, 120_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
    await dropSchema(schema);
  });

  /** The plan of `statement` for `params` (literals), run for real in a transaction rolled back after. */
  async function plan(statement: string, types: string, params: string[]): Promise<PlanNode[]> {
    const name = `p_${statement.replace(/\W/g, '_')}`;
    const quoted = `"${schema}"`;
    // The durable steps' statements live in sql/steps/ and are loaded by steps.ts, the others by Statements.
    const text = statement.startsWith('steps/')
      ? substitute(loadAsset(new URL('../../src/stores/postgres/steps.ts', import.meta.url).href, `sql/${statement}.sql`), quoted)
      : new Statements(quoted).get(statement as never);
    await client.query(`PREPARE ${name}(${types}) AS ${text}`);
    await client.query('BEGIN');
    try {
      const result = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ${name}(${params.join(', ')})`);
      return planNodes((result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan);
    } finally {
      await client.query('ROLLBACK');
      await client.query(`DEALLOCATE ${name}`);
    }
  }

  /** Each read of the jobs table: by primary key, and no more rows than the batch has jobs. */
  function expectByPrimaryKey(nodes: PlanNode[], most: number): void {
    const reads = nodes.filter((n) => n['Relation Name'] === 'jobs' && n['Node Type'] !== 'ModifyTable');
    const described = reads.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''} rows=${n['Actual Rows']} loops=${n['Actual Loops']}`).join('; ');
    expect(reads.length, described).toBeGreaterThan(0);
    for (const read of reads) {
      expect(read['Index Name'], described).toBe('jobs_pkey');
      expect((read['Actual Rows'] ?? 0) * (read['Actual Loops'] ?? 0), described).toBeLessThanOrEqual(most);
    }
  }

  const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;

  it('extends a batch of leases by primary key', async () => {
    const leases = running.slice(0, BATCH);
    const nodes = await plan('heartbeat', 'bigint[], text[], bigint[], bigint', [
      literal(`{${leases.map((j) => j.id).join(',')}}`),
      literal(`{${leases.map((j) => j.lockToken).join(',')}}`),
      literal(`{${leases.map(() => T0 + 7_200_000).join(',')}}`),
      String(T0),
    ]);
    expectByPrimaryKey(nodes, BATCH);
    expect(await store.heartbeat(leases.map((j) => ({ id: j.id, lockToken: j.lockToken, lockedUntil: T0 + 7_200_000 })), T0)).toEqual(leases.map(() => 'ok'));
  });

  it('settles a batch by primary key', async () => {
    const batch = running.slice(BATCH, 2 * BATCH);
    const settlements = batch.map((j) => ({
      id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0 + 1,
      history: { status: 'completed' as const, attempt: 1, startedAt: T0, completedAt: T0 + 1, error: null, stack: null, result: null, workerId: 'w' },
    }));
    const nodes = await plan('settle', 'jsonb, text', [literal(settleParams(settlements).json), literal('hourglass')]);
    expectByPrimaryKey(nodes, BATCH);
    expect(await store.settle(settlements)).toEqual(batch.map(() => true));
  });

  it('claims among them without reading every running job: the recovery seeks the expired ones', async () => {
    // A claim first recovers runs whose lease ended (claim.sql `expired`, the same in settle_and_claim()): with
    // none expired it must cost a seek on jobs_running, not a read of every running job's index entry. Before,
    // the generic plan read jobs_status_name's 'running' range with locked_until as a filter: every claim of
    // every worker paid for every job any worker ran (0.26 ms at 1,820 running jobs, linear beyond).
    const claims = await claimExplainer(schema);
    try {
      const request = { now: T0, workerId: 'w2', lockToken: 'fresh', limit: 10, names: ['work'], limits: [], lockLifetimeMs: 60_000 };
      const root = await claims.explain(request);
      const plan = describePlan(root as PlanNode & Record<string, unknown>);
      const expired = (root.Plans ?? []).find((n) => (n as PlanNode & Record<string, unknown>)['Subplan Name'] === 'CTE expired');
      const reads = planNodes(expired!).filter((n) => n['Relation Name'] === 'jobs');
      expect(reads.map((n) => n['Index Name']), plan).toEqual(['jobs_running']);
      expect(pagesOf(expired!), plan).toBeLessThan(10);
      // And the claim takes its jobs.
      expect((await store.claim(request)).length).toBe(10);
    } finally {
      await claims.end();
    }
  });

  it('saves a run\'s progress and a durable step by primary key', async () => {
    const job = running[running.length - 1]!;
    expectByPrimaryKey(await plan('progress', 'bigint, text, text, bigint', [job.id, literal(job.lockToken), literal('{"done":1}'), String(T0)]), 1);
    expectByPrimaryKey(await plan('steps/save-step', 'bigint, text, text, text', [job.id, literal(job.lockToken), literal('k'), literal('{}')]), 1);
    expectByPrimaryKey(await plan('steps/clear-steps', 'bigint, text', [job.id, literal(job.lockToken)]), 1);
    expect(await store.saveProgress(job.id, job.lockToken, { done: 1 }, T0)).toBe(true);
  });
});

describe.skipIf(skip)('postgres: the groups a claim served are stamped from its jobs by primary key, with statistics from before any group', () => {
  const t = usePlanSchema();

  beforeAll(async () => {
    await t.client.query(`ALTER TABLE "${t.schema}".jobs SET (autovacuum_enabled = false)`);
    const job = (group: string | null, at = T0) => ({ name: 'work', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, group, dueAt: at, nextRunAt: at });
    await t.store.insert(Array.from({ length: 2_000 }, () => job(null, T0 + 86_400_000)), T0);
    // Statistics of a moment before any grouped job: then 20,000 of them in 100 groups.
    await t.client.query(`ANALYZE "${t.schema}".jobs`);
    for (let i = 0; i < 20; i++) await t.store.insert(Array.from({ length: 1_000 }, (_, k) => job(`g${k % 100}`)), T0);
  }, 120_000);

  it('reads the claimed jobs by primary key, not every grouped job', async () => {
    const claimed = await t.store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 200, names: ['work'], limits: [{ name: 'work', groupConcurrency: 10 }], lockLifetimeMs: 60_000 });
    const grouped = claimed.filter((j) => j.group !== null);
    expect(grouped.length).toBeGreaterThan(50);
    // groups_served()'s statement (functions/groups_served.sql), EXPLAINed on its own.
    const body = /AS \$function\$([\s\S]*?);?\s*\$function\$/.exec(substitute(loadAsset(new URL('../../src/stores/postgres/functions.ts', import.meta.url).href, 'functions/groups_served.sql'), `"${t.schema}"`))![1]!;
    await t.client.query(`PREPARE served(bigint[]) AS ${body}`);
    await t.client.query('BEGIN');
    try {
      const result = await t.client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE served('{${grouped.map((j) => j.id).join(',')}}')`);
      const reads = planNodes((result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan).filter((n) => n['Relation Name'] === 'jobs');
      const described = reads.map((n) => `${n['Node Type']} ${n['Index Name'] ?? ''} rows=${n['Actual Rows']}`).join('; ');
      expect(reads.length, described).toBeGreaterThan(0);
      for (const read of reads) expect(read['Index Name'], described).toBe('jobs_pkey');
    } finally {
      await t.client.query('ROLLBACK');
    }
  });
});
