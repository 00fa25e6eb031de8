/**
 * PostgreSQL: a dedupe key's period holder created while another insert of the key is in flight. A job that
 * finished within its dedupeFor period still holds its key (rules/dedupe.ts), but only jobs_dedupe (live jobs)
 * is an index the server checks at write time; a finished holder is found by the insert's lookup, on its
 * snapshot. So an insert whose statement began before the holder's insert committed, and that reached its write
 * after the holder had already run and finished, found no holder and no conflict, and inserted a second job of
 * the key: the dedupe-race conformance test caught it once under load (two ids for one dedupeFor key).
 *
 * The stall is made real and deterministic: a test trigger makes the first insert wait, after its statement
 * began, on an advisory lock this test holds in a second session; meanwhile another insert of the key runs, is
 * claimed and completes through the store; then the first is let go. Both calls must answer with one job. The
 * same for trigger() bringing back a finished job of the key.
 *
 * Taking turns means a transaction holds locks across round trips: the last case stalls a store transaction that
 * holds a key's turn, and the insert waiting for it goes on once the server ends the idle transaction (10 s).
 */
import { describe, expect, it } from 'vitest';
import type { InsertResult } from '../../src/core/store.js';
import { availability } from '../conformance/factory.js';
import { adminQuery, postgresFactory } from './postgres.factory.js';
import { T0, newJob, useStoreAndSession, waitFor } from './postgres.helpers.js';

const { skip } = await availability(postgresFactory);

/** The advisory lock the stalled insert waits on, in its own class so no store lock can meet it. */
const STALL = [1751607671, 7];

describe.skipIf(skip)('postgres: an insert in flight while the key gets a period holder that finishes', () => {
  const t = useStoreAndSession(4);

  const waiting = async (pred: string): Promise<number> =>
    (await adminQuery<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND ${pred}`))[0]!.n;

  it.each([
    ['with dedupeFor too', { dedupeForMs: 3_600_000 }],
    ['with the key only', {}],
  ])('the stalled insert (%s) answers with the holder, which ran once', async (_, stalledOptions) => {
    const key = `k-${Object.keys(stalledOptions).length}`;
    const schema = `"${t.schema}"`;
    await adminQuery(`
      CREATE OR REPLACE FUNCTION ${schema}.stall() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.data::jsonb ? 'stall' THEN PERFORM pg_advisory_xact_lock(${STALL[0]}, ${STALL[1]}); END IF;
        RETURN NEW;
      END $$`);
    await adminQuery(`CREATE OR REPLACE TRIGGER stall BEFORE INSERT ON ${schema}.jobs FOR EACH ROW EXECUTE FUNCTION ${schema}.stall()`);
    try {
      await t.other.query('SELECT pg_advisory_lock($1, $2)', STALL);
      const dedupe = { dedupeKey: key, ...stalledOptions };
      const stalled = t.store.insert([newJob(key, { data: { stall: true }, ...dedupe })], T0);
      await waitFor(async () => (await waiting(`classid = ${STALL[0]} AND objid = ${STALL[1]}`)) === 1, 10_000, 'the first insert to stall');

      // Another insert of the key, with a period, while the first is in flight. If it gets through, it runs.
      let holder: InsertResult | undefined;
      const other = t.store.insert([newJob(key, { dedupeKey: key, dedupeForMs: 3_600_000 })], T0).then(([r]) => (holder = r));
      await waitFor(async () => holder !== undefined || (await waiting(`classid <> ${STALL[0]}`)) === 1, 10_000, 'the second insert to finish or wait');
      if (holder) {
        const [claimed] = await t.store.claim({ now: T0 + 1, workerId: 'w', lockToken: 't', limit: 1, names: [key], limits: [], lockLifetimeMs: 60_000 });
        expect(claimed!.id).toBe(holder.job.id);
        await t.store.settle([{ id: claimed!.id, lockToken: 't', status: 'completed', result: null, finishedAt: T0 + 2, history: null }]);
      }

      await t.other.query('SELECT pg_advisory_unlock($1, $2)', STALL);
      const [first] = await stalled;
      await other;
      expect(first!.job.id).toBe(holder!.job.id);
      expect([first!.created, holder!.created].filter(Boolean)).toHaveLength(1);
      const jobs = await adminQuery<{ id: string }>(`SELECT id FROM ${schema}.jobs WHERE dedupe_key = $1`, [key]);
      expect(jobs).toHaveLength(1);
    } finally {
      await t.other.query('SELECT pg_advisory_unlock_all()');
      await adminQuery(`DROP TRIGGER IF EXISTS stall ON ${schema}.jobs`);
    }
  });

  it('a trigger bringing back a finished job of the key, stalled the same way, never leaves two holders', async () => {
    const key = 'k-trigger';
    const schema = `"${t.schema}"`;
    const [old] = await t.store.insert([newJob(key, { data: { stall: true }, dedupeKey: key })], T0);
    const [run] = await t.store.claim({ now: T0, workerId: 'w', lockToken: 't0', limit: 1, names: [key], limits: [], lockLifetimeMs: 60_000 });
    await t.store.settle([{ id: run!.id, lockToken: 't0', status: 'completed', result: null, finishedAt: T0, history: null }]);
    // The trigger's update of the finished job waits, after its statement began.
    await adminQuery(`
      CREATE OR REPLACE FUNCTION ${schema}.stall() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.data::jsonb ? 'stall' AND OLD.status = 'completed' THEN PERFORM pg_advisory_xact_lock(${STALL[0]}, ${STALL[1]}); END IF;
        RETURN NEW;
      END $$`);
    await adminQuery(`CREATE OR REPLACE TRIGGER stall BEFORE UPDATE ON ${schema}.jobs FOR EACH ROW EXECUTE FUNCTION ${schema}.stall()`);
    try {
      await t.other.query('SELECT pg_advisory_lock($1, $2)', STALL);
      const triggered = t.store.trigger(old!.job.id, T0 + 10).then((job) => job, (error: Error) => error);
      await waitFor(async () => (await waiting(`classid = ${STALL[0]} AND objid = ${STALL[1]}`)) === 1, 10_000, 'the trigger to stall');

      let inserted: InsertResult | undefined;
      const other = t.store.insert([newJob(key, { dedupeKey: key, dedupeForMs: 3_600_000 })], T0 + 10).then(([r]) => (inserted = r));
      await waitFor(async () => inserted !== undefined || (await waiting(`classid <> ${STALL[0]}`)) === 1, 10_000, 'the insert to finish or wait');
      if (inserted) {
        const [claimed] = await t.store.claim({ now: T0 + 11, workerId: 'w', lockToken: 't1', limit: 1, names: [key], limits: [], lockLifetimeMs: 60_000 });
        await t.store.settle([{ id: claimed!.id, lockToken: 't1', status: 'completed', result: null, finishedAt: T0 + 12, history: null }]);
      }

      await t.other.query('SELECT pg_advisory_unlock($1, $2)', STALL);
      const outcome = await triggered;
      await other;
      // One holder of the key at the end: either the trigger won (the insert answers with the old job, live
      // again) or the insert did (the trigger refuses with a DedupeConflictError naming it).
      const rows = await adminQuery<{ id: string; status: string; dedupe_until: string | null }>(
        `SELECT id, status, dedupe_until FROM ${schema}.jobs WHERE dedupe_key = $1 AND (status IN ('pending', 'running') OR dedupe_until > $2)`,
        [key, T0 + 20],
      );
      expect(rows).toHaveLength(1);
      if (outcome instanceof Error) {
        expect(outcome.name).toBe('DedupeConflictError');
        expect(rows[0]!.id).toBe(inserted!.job.id);
      } else {
        expect(outcome).toMatchObject({ id: old!.job.id, status: 'pending' });
        expect(inserted).toMatchObject({ created: false, job: { id: old!.job.id } });
      }
    } finally {
      await t.other.query('SELECT pg_advisory_unlock_all()');
      await adminQuery(`DROP TRIGGER IF EXISTS stall ON ${schema}.jobs`);
    }
  });
});

describe.skipIf(skip)('postgres: a client stalled inside a store transaction', () => {
  const t = useStoreAndSession(2);

  it('the server ends the transaction after 10 s idle, so an insert of a key whose turn it held goes on', async () => {
    // A transaction of the store that took a key's turn exclusively (as an insert with dedupeFor does), then
    // stalled: its callback waits for the other insert, which waits for the turn.
    let stalled: Promise<unknown> | undefined;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tookTurn = new Promise<void>((resolve) => {
      stalled = t.store
        .transaction(async (client) => {
          await t.store.run('dedupe-lock', [t.store.schema, ['stalled'], []], client);
          resolve();
          await held;
        })
        .then(() => null, (error: Error) => error);
    });
    await tookTurn;
    const started = Date.now();
    const [inserted] = await t.store.insert([newJob('stalled', { dedupeKey: 'stalled' })], T0);
    release();
    expect(inserted!.created).toBe(true);
    // It waited for the limit, not for the connection's death (TCP keepalives: minutes).
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_000);
    // The stalled transaction did not commit: its session was ended under it.
    expect(await stalled).toBeInstanceOf(Error);
  }, 30_000);
});
