/**
 * Groups' upkeep and the rate wake-up read on PostgreSQL with 10,000 groups: the earliest start of a name's rate
 * windows is one seek of rate_starts_first (migration 021), each of the forget statement's checks is an index
 * seek (beside a tenant's 20,000-job backlog of the same name), and 10,000 groups whose jobs finished are forgotten a bounded page at a time, rate rows included.
 * Also retention's count read (finished-at.sql) beside that backlog.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/core/store.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { Statements } from '../../src/stores/postgres/sql.js';
import { availability } from '../conformance/factory.js';
import { PG_URL, adminQuery, dropSchema, postgresFactory, randomSchema } from './postgres.factory.js';
import { T0, newJob, openStore } from './postgres.helpers.js';

const GROUPS = 10_000;
const { skip } = await availability(postgresFactory);

describe.skipIf(skip)('PostgresStore: groups upkeep and rate wake-ups with 10,000 groups', () => {
  const schema = randomSchema();
  let store: PostgresStore;
  let client: pg.Client;
  let taken: ClaimedJob[] = [];

  beforeAll(async () => {
    store = await openStore(schema);
    for (let i = 0; i < GROUPS; i += 5000) await store.insert(Array.from({ length: 5000 }, (_, k) => newJob('a', { group: `t${String(i + k).padStart(5, '0')}` })), T0);
    for (let i = 0; i < GROUPS; i += 1000) {
      taken.push(...(await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 1000, names: ['a'], limits: [{ name: 'a', rate: { max: 1, perMs: 1000, byGroup: true } }], lockLifetimeMs: 60_000 })));
    }
    // A tenant's backlog of the same name, due tomorrow: a check of one group must not read through it.
    for (let i = 0; i < 20_000; i += 5000) await store.insert(Array.from({ length: 5000 }, () => newJob('a', { group: 'big', nextRunAt: T0 + 86_400_000 })), T0);
    await adminQuery(`ANALYZE "${schema}".jobs`);
    await adminQuery(`ANALYZE "${schema}".groups`);
    await adminQuery(`ANALYZE "${schema}".rate_starts`);
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query('SET plan_cache_mode = force_generic_plan');
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
    await dropSchema(schema);
  });

  /** The generic plan of a statement file, for the literal arguments given (EXPLAIN EXECUTE takes no bind parameters). */
  const plan = async (name: 'rate-free-at' | 'group-forget' | 'finished-at', types: string, args: string) => {
    const id = `p_${name.replaceAll('-', '_')}`;
    await client.query(`PREPARE ${id}(${types}) AS ${new Statements(`"${schema}"`).get(name)}`);
    const rows = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${id}(${args})`);
    return rows.rows.map((r) => r['QUERY PLAN']).join('\n');
  };

  it("finished-at.sql (retention's count) walks jobs_finished_at backwards for the status, whatever the backlog beside it", async () => {
    const steps = await plan('finished-at', 'text, integer', `'completed', 1000`);
    expect(steps).toMatch(/Index (Only )?Scan Backward using jobs_finished_at/);
    expect(steps).not.toMatch(/Seq Scan|Sort/);
  });

  it('every group was served once under its rate', () => {
    expect(taken).toHaveLength(GROUPS);
  });

  it('rate-free-at.sql reads the earliest start of a name with an index scan of rate_starts_first', async () => {
    const steps = await plan('rate-free-at', 'text[], bigint[], boolean[], bigint', `ARRAY['a'], ARRAY[1000]::bigint[], ARRAY[true], ${T0 + 10}`);
    expect(steps).toMatch(/Index Only Scan using rate_starts_first/);
    expect(await store.rateFreeAt([{ name: 'a', rate: { max: 1, perMs: 1000, byGroup: true } }], T0 + 10)).toBe(T0 + 1000);
  });

  it('group-forget.sql checks each group with index seeks, never a scan of the jobs', async () => {
    const steps = await plan('group-forget', 'text[], text[], bigint, bigint', `ARRAY['a'], ARRAY['t00001'], ${T0}, ${T0}`);
    expect(steps).not.toMatch(/Seq Scan on jobs/);
    // "Any pending job of the group?" is a seek keyed by the group: jobs_claim_group (its pending jobs), or
    // jobs_group (migration 020: its jobs by id), which the planner takes when, as here, a group holds two jobs.
    expect(steps).toMatch(/Index (Only )?Scan using (jobs_claim_group|jobs_group) on jobs/);
    expect(steps).toMatch(/jobs_group_slots/);
  });

  it('forgets the 10,000 groups a page at a time once their jobs finished, their rate rows with them', async () => {
    await store.settle(taken.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0 + 1, history: null })));
    let cursor: string | null = null;
    let forgotten = 0;
    let calls = 0;
    do {
      const started = performance.now();
      const result = await store.pruneGroups({ now: T0 + 2, rateBefore: T0 + 2, limit: 1000, cursor });
      expect(performance.now() - started).toBeLessThan(5_000);
      forgotten += result.forgotten;
      cursor = result.next;
      calls++;
    } while (cursor !== null);
    expect(forgotten).toBe(GROUPS); // 'big' stays: its jobs are pending
    expect(calls).toBe(GROUPS / 1000 + 1);
    expect(await adminQuery(`SELECT grp FROM "${schema}".groups`)).toEqual([{ grp: 'big' }]);
    expect((await adminQuery(`SELECT count(*)::int AS n FROM "${schema}".rate_starts`))[0]).toEqual({ n: 0 });
  });
});
