/**
 * PostgreSQL: plans made while the jobs table was empty are not kept once it holds a backlog (replan.ts). The
 * store's statements are planned generically on a connection's first call; made on an empty table, the
 * heartbeat's plan reads the table sequentially and a keyed insert's walks jobs_pending_any for a waiting
 * newcomer, and PostgreSQL keeps both until something invalidates them: 16-19 and 24-48 ms a call at 200,000
 * rows against ≤ 1 ms. The test builds those plans on the store's one connection, fills the table by hand
 * (autovacuum off for it, so no ANALYZE comes to the rescue) and reads the plans that connection then holds
 * (EXPLAIN EXECUTE of its own prepared statements). The Replanner's arithmetic is tested with a fake clock.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { FLOOR_BYTES, GROWTH, Replanner } from '../../src/stores/postgres/replan.js';
import { silentLogger } from '../../src/core/logger.js';
import { availability } from '../conformance/factory.js';
import { PG_URL, adminQuery, dropSchema, postgresFactory, randomSchema } from './postgres.factory.js';
import { captureLogger } from './redis.capture.js';
import { T0, newJob, waitFor } from './postgres.helpers.js';

const { skip } = await availability(postgresFactory);

describe('Replanner: when a connection re-plans', () => {
  const make = (checkMs = 1_000) => {
    let clock = 0;
    const sizes: number[] = [];
    const measured: Array<(bytes: number) => void> = [];
    const replanner = new Replanner(() => new Promise<number>((resolve) => measured.push(resolve)), () => silentLogger, checkMs, () => clock);
    return { replanner, sizes, measured, tick: (ms: number) => (clock += ms) };
  };

  it('re-plans once the table is GROWTH times its size at the last plans and past the floor; never when it shrinks', () => {
    const { replanner } = make();
    expect(replanner.observe(0)).toBe(false); // the first look sets the baseline
    expect(replanner.observe(FLOOR_BYTES - 1)).toBe(false); // grown, but below the floor
    expect(replanner.observe(FLOOR_BYTES)).toBe(true);
    expect(replanner.plannedGeneration).toBe(1);
    expect(replanner.observe(FLOOR_BYTES * GROWTH - 1)).toBe(false);
    expect(replanner.observe(FLOOR_BYTES * GROWTH)).toBe(true);
    expect(replanner.observe(FLOOR_BYTES)).toBe(false); // shrank: the baseline follows it down
    expect(replanner.observe(FLOOR_BYTES * GROWTH)).toBe(true);
    expect(replanner.plannedGeneration).toBe(3);
  });

  it('looks at most every checkMs, one look at a time, and a connection discards its plans once per generation, before its statement', async () => {
    const { replanner, measured, tick } = make(1_000);
    const queries: string[] = [];
    const client = { query: async (text: string) => void queries.push(text) } as unknown as pg.PoolClient;
    replanner.acquired(client); // first use: a look
    replanner.acquired(client); // still in flight: no second look
    expect(measured).toHaveLength(1);
    measured[0]!(0);
    await new Promise((resolve) => setImmediate(resolve)); // the look's promise chain settles
    tick(999);
    replanner.acquired(client);
    expect(measured).toHaveLength(1);
    tick(1);
    replanner.acquired(client);
    expect(measured).toHaveLength(2);
    measured[1]!(FLOOR_BYTES * 8);
    await new Promise((resolve) => setImmediate(resolve));
    expect(queries).toEqual([]);
    replanner.acquired(client);
    replanner.acquired(client);
    expect(queries).toEqual(['DISCARD PLANS']);
  });

  it('a checkMs of 0 never looks', () => {
    const { replanner, measured } = make(0);
    replanner.acquired({ query: async () => undefined } as unknown as pg.PoolClient);
    expect(measured).toHaveLength(0);
  });
});

describe.skipIf(skip).each([['a pool it creates', false], ['a pool you pass', true]] as const)('postgres: plans made on an empty jobs table, then a backlog of 100,000 jobs (%s)', (_, given) => {
  const schema = randomSchema();
  const logger = captureLogger();
  let store: PostgresStore;
  // Yours, set to plan as the store's own pool does (generic plans), one connection so the test reads its plans.
  let pool: pg.Pool | undefined;

  beforeAll(async () => {
    pool = given ? new pg.Pool({ connectionString: PG_URL, max: 1, options: '-c plan_cache_mode=force_generic_plan -c jit=off' }) : undefined;
    store = new PostgresStore(pool ? { pool, schema, planCheckMs: 1 } : { connectionString: PG_URL, schema, poolSize: 1, planCheckMs: 1 });
    await store.init({ logger });
    await adminQuery(`ALTER TABLE "${schema}".jobs SET (autovacuum_enabled = false)`);
  });

  afterAll(async () => {
    await store?.close();
    if (pool) {
      // close() stops listening on a pool it was given, which lives on.
      expect(pool.listenerCount('acquire')).toBe(0);
      expect(pool.listenerCount('connect')).toBe(0);
      await pool.end();
    }
    await dropSchema(schema);
  });

  /** The plan the store's one connection holds for its prepared statement of `file`, as text. */
  async function heldPlan(file: string, args: string): Promise<string> {
    const client = await (store as unknown as { db(): pg.Pool }).db().connect();
    try {
      const [prepared] = (await client.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE $1`, [`hg_${file}\\_%`])).rows;
      expect(prepared, `the connection prepared ${file}.sql`).toBeDefined();
      const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${prepared!.name}(${args})`);
      return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    } finally {
      client.release();
    }
  }

  it('re-plans on each connection once the table has grown, so a heartbeat seeks by id and a keyed insert seeks its key', async () => {
    // Planned while empty: one job, claimed, its lease extended; a keyed insert.
    await store.insert([newJob('replan', { dedupeKey: 'k0' })], T0);
    const [claimed] = await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 1, names: ['replan'], limits: [], lockLifetimeMs: 60_000 });
    await store.heartbeat([{ id: claimed!.id, lockToken: 't', lockedUntil: T0 + 120_000 }], T0);
    const heartbeat = `ARRAY[${claimed!.id}]::bigint[], ARRAY['t'], ARRAY[${T0}]::bigint[], ${T0}`;
    const keyed = `'${JSON.stringify([{ name: 'replan', priority: 0, due_at: T0, next_run_at: T0, dedupe_key: 'k1' }])}', ${T0}, 'replan_test'`;
    // The trap itself (the insert's walk of jobs_pending_any comes from a cost tie, so only the heartbeat's
    // sequential scan is asserted as the starting point).
    expect(await heldPlan('heartbeat', heartbeat)).toMatch(/Seq Scan on jobs/);

    await adminQuery(`INSERT INTO "${schema}".jobs (name, data, status, priority, due_at, next_run_at, created_at, updated_at)
      SELECT 'backlog', 'null', 'pending', 0, ${T0} + i, ${T0} + i, ${T0}, ${T0} FROM generate_series(1, 100000) AS i`);
    await waitFor(async () => {
      await store.getJob(claimed!.id); // a statement: the store looks at the table's size on its way out
      return logger.lines.some((l) => l.msg.includes('outgrew the plans'));
    }, 10_000, 'the store to see the table outgrow its plans');

    const heartbeatPlan = await heldPlan('heartbeat', heartbeat);
    expect(heartbeatPlan).not.toMatch(/Seq Scan on jobs/);
    expect(heartbeatPlan).toMatch(/Index Scan using jobs_pkey on jobs/);
    const insertPlan = await heldPlan('insert', keyed);
    expect(insertPlan).not.toMatch(/jobs_pending_any/);
    expect(insertPlan).toMatch(/Index Cond: \(dedupe_waiting = /);
    // And the store still works on the re-planned connection.
    expect(await store.heartbeat([{ id: claimed!.id, lockToken: 't', lockedUntil: T0 + 180_000 }], T0)).toHaveLength(1);
  });
});
