/**
 * PostgreSQL: insertFlow against retention deleting a once node it found (flow.ts, errors.ts
 * isPrunedDependencyRace). insertFlow reads the flow job holding a once key without a lock; if retention deletes
 * that job before the edge to it is written, the edge's foreign-key check waits for the delete and then fails.
 * The flow is asked again and, no longer finding the node, adds a fresh one: the dependent waits for a job that
 * exists, as it would have had retention run first. Two sessions, no sleep as synchronisation: a second
 * connection deletes the node in an open transaction (what prune's DELETE does), insertFlow is sent, and the
 * delete commits once insertFlow is seen waiting on it.
 */
import { describe, expect, it } from 'vitest';
import type { FlowJob } from '../../src/core/store.js';
import { availability } from '../conformance/factory.js';
import { adminQuery, postgresFactory } from './postgres.factory.js';
import { T0, newJob, useStoreAndSession, waitFor } from './postgres.helpers.js';

const { skip } = await availability(postgresFactory);

/** A sub-graph as a run's ctx.flow() gives it: a once node (key 'k'), and a node after it. */
function subGraph(): FlowJob[] {
  return [
    { ...newJob('race', { dedupeKey: 'once:k' }), flow: { key: 'a', dependents: true }, after: [], once: true },
    { ...newJob('race'), flow: { key: 'b' }, after: [0] },
  ];
}

describe.skipIf(skip)('postgres: insertFlow against retention deleting a once node it found', () => {
  const t = useStoreAndSession(4);

  it('asks again and adds a fresh once node when the one it found is deleted before its edge is written', async () => {
    // The first insert: the once node fails for good (so it holds its dependents back), its dependent is cancelled.
    const [first, firstDependent] = (await t.store.insertFlow(subGraph(), T0)).map((r) => r.job.id) as [string, string];
    await t.store.cancel(firstDependent, T0 + 1);
    const [claimed] = await t.store.claim({ now: T0 + 2, workerId: 'w', lockToken: 't', limit: 1, names: ['race'], limits: [], lockLifetimeMs: 60_000 });
    expect(claimed!.id).toBe(first);
    await t.store.settle([{ id: first, lockToken: 't', status: 'failed', lastError: 'down', lastErrorStack: null, finishedAt: T0 + 3, history: null }]);

    // Retention deletes the once node, not yet committed.
    await t.other.query('BEGIN');
    await t.other.query(`DELETE FROM "${t.schema}".jobs WHERE id = $1`, [first]);
    // The sub-graph again: its once node is found (the delete is not visible), and its edge waits for the delete.
    const again = t.store.insertFlow(subGraph(), T0 + 10);
    await waitFor(
      async () =>
        (
          // Read outside `other`'s transaction, which keeps one snapshot of pg_stat_activity. The statement's
          // text as pg_stat_activity keeps it: its first 1,024 bytes, the leading comment.
          await adminQuery(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '-- insertFlow: the edges%'`)
        ).length > 0,
      10_000,
      'insertFlow waiting on the deleted once node',
    );
    await t.other.query('COMMIT');

    const [node, dependent] = (await again).map((r) => r.job);
    expect(node!.id).not.toBe(first);
    expect(node).toMatchObject({ status: 'pending', dedupeKey: 'once:k' });
    expect(dependent).toMatchObject({ status: 'blocked', waitingFor: 1 });
    // The flow goes on: the fresh node completes and releases its dependent.
    const [next] = await t.store.claim({ now: T0 + 20, workerId: 'w', lockToken: 't2', limit: 1, names: ['race'], limits: [], lockLifetimeMs: 60_000 });
    expect(next!.id).toBe(node!.id);
    await t.store.settle([{ id: node!.id, lockToken: 't2', status: 'completed', result: null, finishedAt: T0 + 21, history: null }]);
    expect(await t.store.getJob(dependent!.id)).toMatchObject({ status: 'pending', waitingFor: 0 });
  });
});
