/**
 * PostgreSQL: prune against a trigger() of a flow dependent in flight (prune.sql). A dependent cancelled by hand
 * does not hold its failed dependency back (rules/flow.ts heldBack), so prune deletes the dependency and counts
 * the dependent down (rules/flow.ts pruned). A trigger of that dependent brings it back to blocked; if it is not
 * yet committed when prune reads the dependent on its snapshot, the dependent must not be left blocked on a
 * dependency that prune deleted. Two sessions, no sleep: a second connection runs trigger.sql in an open
 * transaction (the dependent's row locked, its change not committed), and prune runs meanwhile.
 */
import { describe, expect, it } from 'vitest';
import type { FlowJob, PruneRequest } from '../../src/core/store.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { Statements } from '../../src/stores/postgres/sql.js';
import { adminQuery, postgresFactory } from './postgres.factory.js';
import { availability } from '../conformance/factory.js';
import { T0, newJob, useStoreAndSession, waitFor } from './postgres.helpers.js';

const { skip } = await availability(postgresFactory);

/** a → b; b cancelled by hand while blocked, then a fails for good. Returns their ids. */
async function failedUnderCancelledDependent(store: PostgresStore): Promise<{ a: string; b: string }> {
  const nodes: FlowJob[] = [
    { ...newJob('race'), flow: { key: 'a', dependents: true }, after: [] },
    { ...newJob('race'), flow: { key: 'b' }, after: [0] },
  ];
  const [a, b] = (await store.insertFlow(nodes, T0)).map((r) => r.job.id) as [string, string];
  await store.cancel(b, T0 + 1);
  const [claimed] = await store.claim({ now: T0 + 2, workerId: 'w', lockToken: 't', limit: 1, names: ['race'], limits: [], lockLifetimeMs: 60_000 });
  expect(claimed!.id).toBe(a);
  await store.settle([{ id: a, lockToken: 't', status: 'failed', lastError: 'down', lastErrorStack: null, finishedAt: T0 + 3, history: null }]);
  return { a, b };
}

const prune = (now: number): PruneRequest => ({ finishedBefore: { failed: now }, historyBefore: null, limit: 10, now });

describe.skipIf(skip)('postgres: prune against a trigger of a flow dependent in flight', () => {
  const t = useStoreAndSession();

  it('a dependent another transaction holds (a trigger not yet committed): prune does not wait, keeps the dependency, and the flow resumes', async () => {
    const { a, b } = await failedUnderCancelledDependent(t.store);
    expect(await t.store.getJob(b)).toMatchObject({ status: 'cancelled', waitingFor: 1, lastError: null });
    // The trigger of b, in flight: b locked, back to blocked (it still waits for a), not committed.
    await t.other.query('BEGIN');
    const [triggered] = (await t.other.query(new Statements(`"${t.schema}"`).get('trigger'), [b, T0 + 10, 'hourglass_race'])).rows as { status: string }[];
    expect(triggered!.status).toBe('blocked');
    // Prune reads b as cancelled by hand on its snapshot; b's lock keeps a for the next sweep (SKIP LOCKED: no wait).
    expect((await t.store.prune(prune(T0 + 20))).jobs).toBe(0);
    await t.other.query('COMMIT');
    // b waits for a again, and a is still there to be retried: nothing is stranded.
    expect(await t.store.getJob(b)).toMatchObject({ status: 'blocked', waitingFor: 1 });
    expect(await t.store.getJob(a)).toMatchObject({ status: 'failed' });
    expect((await t.store.prune(prune(T0 + 30))).jobs).toBe(0);
    await t.store.trigger(a, T0 + 40);
    const [again] = await t.store.claim({ now: T0 + 40, workerId: 'w', lockToken: 't2', limit: 1, names: ['race'], limits: [], lockLifetimeMs: 60_000 });
    expect(again!.id).toBe(a);
    await t.store.settle([{ id: a, lockToken: 't2', status: 'completed', result: null, finishedAt: T0 + 41, history: null }]);
    expect(await t.store.getJob(b)).toMatchObject({ status: 'pending', waitingFor: 0 });
  });

  it('the dependent free: prune deletes the dependency and counts the dependent down; a trigger afterwards runs it', async () => {
    const { a, b } = await failedUnderCancelledDependent(t.store);
    expect((await t.store.prune(prune(T0 + 20))).jobs).toBe(1);
    expect(await t.store.getJob(a)).toBeNull();
    expect(await t.store.getJob(b)).toMatchObject({ status: 'cancelled', waitingFor: 0, updatedAt: T0 + 20 });
    expect(await t.store.trigger(b, T0 + 30)).toMatchObject({ status: 'pending' });
  });

  it('a deadlock with a settle of the dependency (which PostgreSQL breaks by aborting prune): prune asks again, and the job goes then or at the next sweep', async () => {
    // a → b, b cancelled by hand: b is finished, a prune candidate, and its edge from a is not done.
    const nodes: FlowJob[] = [
      { ...newJob('deadlock'), flow: { key: 'a', dependents: true }, after: [] },
      { ...newJob('deadlock'), flow: { key: 'b' }, after: [0] },
    ];
    const [a, b] = (await t.store.insertFlow(nodes, T0)).map((r) => r.job.id) as [string, string];
    await t.store.cancel(b, T0 + 1);
    // What a settle of a does in flow_settled(): its edge to b first, then b. The edge is held here, and prune,
    // which locked b, waits for it when its delete of b cascades to the edge.
    await t.other.query(`SET deadlock_timeout = '10s'`); // so the deadlock is found on prune's side, first
    const otherPid = (await t.other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await t.other.query('BEGIN');
    await t.other.query(`UPDATE "${t.schema}".edges SET done = done WHERE parent_id = $1 AND child_id = $2`, [a, b]);
    const pruned = t.store.prune({ finishedBefore: { cancelled: T0 + 20 }, historyBefore: null, limit: 10, now: T0 + 20 });
    await waitFor(
      // Blocked by this test's session: other test files prune on the same server at the same time.
      async () => (await adminQuery(`SELECT 1 FROM pg_stat_activity WHERE query LIKE '-- Retention, in ONE statement%' AND $1::int = ANY (pg_blocking_pids(pid))`, [otherPid])).length > 0,
      10_000,
      'prune waiting for the edge',
    );
    // The settle's second step: b, which prune holds. PostgreSQL aborts prune after its deadlock_timeout (1 s).
    await t.other.query(`SELECT id FROM "${t.schema}".jobs WHERE id = $1 FOR UPDATE`, [b]);
    await t.other.query('COMMIT');
    // Prune asks again at once: if that reaches the server before this COMMIT, b is still locked by the settle
    // and is skipped (SKIP LOCKED, no wait) for the next sweep; otherwise it goes now. Either way the deadlock
    // never reaches the caller, and b goes exactly once.
    const first = (await pruned).jobs;
    const second = (await t.store.prune({ finishedBefore: { cancelled: T0 + 20 }, historyBefore: null, limit: 10, now: T0 + 21 })).jobs;
    expect(first + second).toBe(1);
    expect(await t.store.getJob(b)).toBeNull();
    expect(await t.store.getJob(a)).toMatchObject({ status: 'pending' });
  });
});
