/**
 * Redis-specific tests of prune(): the two retention indexes it reads (P:f:<status> by finish time, P:hheads by
 * the id of each job's oldest history record) must stay in step with every script that moves a job into or out of a finished
 * status or writes history, once retention is in use; before that settle writes neither (the hot path pays
 * nothing), and the first prune switches them on and backfills every job written so far.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimedJob, Settlement } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { keysFor } from '../../src/stores/redis/keys.js';
import { backfill, migrate } from '../../src/stores/redis/migrate.js';
import { availability } from '../conformance/factory.js';
import { randomPrefix, redisFactory } from './redis.factory.js';
import { T0, newJob, useRedisStores, type OpenedRedis } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

describe.skipIf(skip)('RedisStore prune (redis-specific)', () => {
  const stores = useRedisStores();
  const admin = stores.admin;
  /** A store on a new prefix, with retention switched on (by a first prune) unless `retention` is false. */
  async function open(prefix?: string, retention = true): Promise<OpenedRedis> {
    const opened = await stores.open(prefix);
    if (retention) expect(await opened.store.prune({ finishedBefore: {}, historyBefore: null, limit: 1 })).toEqual({ jobs: 0, history: 0 });
    return opened;
  }

  const claim = (store: RedisStore, now: number, limit = 10) =>
    store.claim({ now, workerId: 'w1', lockToken: 'tok', limit, names: null, limits: [], lockLifetimeMs: 60_000 });
  const done = (job: ClaimedJob, status: Settlement['status'], at: number, extra: Partial<Settlement> = {}): Settlement => ({
    id: job.id, lockToken: job.lockToken, status, finishedAt: at,
    history: { status: status === 'completed' ? 'completed' : 'failed', attempt: job.attempts, startedAt: at - 1, completedAt: at, error: null, stack: null, result: null, workerId: 'w1' },
    ...extra,
  });
  /**
   * Where a job sits in each retention index (null: absent). P:hheads is scored by a record id: `hjobs` is the
   * completedAt of that record, which must be the job's oldest ('not its oldest record' otherwise).
   */
  async function indexed(tag: string, id: string) {
    const [completed, failed, cancelled, head] = await Promise.all(
      ['f:completed', 'f:failed', 'f:cancelled', 'hheads'].map(async (k) => {
        const score = await admin.zscore(`${tag}:${k}`, id);
        return score === null ? null : Number(score);
      }),
    );
    const records = [await admin.hget(`${tag}:hist1`, id), ...(await admin.lrange(`${tag}:hist:${id}`, 0, -1))]
      .filter((r): r is string => r !== null)
      .map((r) => JSON.parse(r) as { id: string; completedAt: number })
      .sort((x, y) => Number(x.id) - Number(y.id));
    let hjobs: number | string | null = null;
    if (head !== null) hjobs = Number(records[0]?.id) === head ? records[0]!.completedAt : 'not its oldest record';
    return { completed, failed, cancelled, hjobs };
  }

  it('keeps the finish-time index in step through settle, trigger, update, cancel and remove', async () => {
    const { store, tag } = await open();
    const [{ job: a }, { job: b }] = await store.insert([newJob('x'), newJob('x')], T0);
    const [ca, cb] = (await claim(store, T0 + 1)).sort((p, q) => Number(p.id) - Number(q.id)) as [ClaimedJob, ClaimedJob];
    await store.settle([done(ca, 'completed', T0 + 10)]);
    expect(await indexed(tag, a.id)).toEqual({ completed: T0 + 10, failed: null, cancelled: null, hjobs: T0 + 10 });

    // Cancelled while running: indexed at the cancel time, then at the settle's finishedAt (its updatedAt).
    await store.cancel(b.id, T0 + 20);
    expect((await indexed(tag, b.id)).cancelled).toBe(T0 + 20);
    // Its run may still be executing: it holds a slot of its name until it settles (P:held:<name>).
    expect(Number(await admin.zscore(`${tag}:held:x`, b.id))).toBe(cb.lockedUntil);
    await store.settle([done(cb, 'completed', T0 + 30)]);
    expect(await admin.zscore(`${tag}:held:x`, b.id)).toBeNull();
    expect((await store.getJob(b.id))?.updatedAt).toBe(T0 + 30);
    expect(await indexed(tag, b.id)).toEqual({ completed: null, failed: null, cancelled: T0 + 30, hjobs: T0 + 30 });

    // update() of a finished job moves its updatedAt, and its place with it.
    await store.update(a.id, { data: { n: 2 } }, T0 + 40);
    expect((await indexed(tag, a.id)).completed).toBe(T0 + 40);

    // trigger(): pending again, out of the finished index (its history stays indexed).
    await store.trigger(a.id, T0 + 50);
    expect(await indexed(tag, a.id)).toEqual({ completed: null, failed: null, cancelled: null, hjobs: T0 + 10 });
    const [again] = (await claim(store, T0 + 51)) as [ClaimedJob];
    await store.settle([done(again, 'failed', T0 + 60, { lastError: 'boom' })]);
    expect(await indexed(tag, a.id)).toEqual({ completed: null, failed: T0 + 60, cancelled: null, hjobs: T0 + 10 });

    // A pending job cancelled, then the repeat-key upsert reviving a finished job.
    const [{ job: r }] = await store.insert([newJob('rep', { repeatKey: 'k', nextRunAt: T0 + 1e6 })], T0);
    await store.cancel(r.id, T0 + 70);
    expect((await indexed(tag, r.id)).cancelled).toBe(T0 + 70);
    await store.insert([newJob('rep', { repeatKey: 'k', nextRunAt: T0 + 2e6 })], T0 + 80);
    expect((await store.getJob(r.id))?.status).toBe('pending');
    expect((await indexed(tag, r.id)).cancelled).toBeNull();

    // remove() leaves nothing behind in either index.
    await store.remove(a.id);
    await store.remove(b.id);
    expect(await indexed(tag, a.id)).toEqual({ completed: null, failed: null, cancelled: null, hjobs: null });
    expect(await indexed(tag, b.id)).toEqual({ completed: null, failed: null, cancelled: null, hjobs: null });
  });

  it('prunes the history of a live job from the head of its list, and re-scores it by the record left', async () => {
    const { store, tag } = await open();
    const [{ job }] = await store.insert([newJob('x')], T0);
    for (const at of [T0 + 10, T0 + 20, T0 + 30]) {
      const [c] = (await claim(store, at - 5)) as [ClaimedJob];
      await store.settle([done(c, 'pending', at, { nextRunAt: at })]);
    }
    expect((await indexed(tag, job.id)).hjobs).toBe(T0 + 10);
    // limit bounds the records too: two calls of one record each.
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 25, limit: 1 })).toEqual({ jobs: 0, history: 1 });
    expect((await indexed(tag, job.id)).hjobs).toBe(T0 + 20);
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 25, limit: 1 })).toEqual({ jobs: 0, history: 1 });
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 25, limit: 1 })).toEqual({ jobs: 0, history: 0 });
    expect((await store.history(job.id)).map((h) => h.completedAt)).toEqual([T0 + 30]);
    expect((await indexed(tag, job.id)).hjobs).toBe(T0 + 30);
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 31, limit: 10 })).toEqual({ jobs: 0, history: 1 });
    expect((await indexed(tag, job.id)).hjobs).toBeNull();
    // A lock-expiry recovery writes the next first record, and indexes the job again.
    await claim(store, T0 + 40);
    await claim(store, T0 + 200_000);
    expect((await indexed(tag, job.id)).hjobs).toBe(T0 + 200_000);
  });

  it('touches only what is due however many finished jobs are kept (status by status, oldest first)', async () => {
    const { store } = await open();
    await store.insert(Array.from({ length: 300 }, () => newJob('x')), T0);
    const claimed = (await claim(store, T0 + 1, 300)).sort((p, q) => Number(p.id) - Number(q.id));
    // Finish times run backwards against ids: the oldest finished is the newest job.
    await store.settle(claimed.map((c, i) => done(c, i % 2 ? 'failed' : 'completed', T0 + 1000 - i)));
    const cutoff = T0 + 1000 - 295; // the last four jobs finished before it (i = 296..299)
    const request = { finishedBefore: { completed: cutoff, failed: cutoff }, historyBefore: null, limit: 3 };
    // Completed ones first (core/rules/prune.ts), then failed: 298 and 296, then 299; 297 waits.
    expect(await store.prune(request)).toEqual({ jobs: 3, history: 0 });
    for (const i of [298, 296, 299]) expect(await store.getJob(claimed[i]!.id)).toBeNull();
    expect(await store.getJob(claimed[297]!.id)).not.toBeNull();
    expect(await store.prune(request)).toEqual({ jobs: 1, history: 0 });
    expect(await store.prune(request)).toEqual({ jobs: 0, history: 0 });
    expect((await store.countJobs()).completed + (await store.countJobs()).failed).toBe(296);
  });

  it('writes no retention index until the first prune, which indexes what came before and prunes it', async () => {
    const { store, tag } = await open(randomPrefix(), false);
    const [{ job: old }, { job: live }, { job: kept }] = await store.insert([newJob('x'), newJob('x'), newJob('x')], T0);
    const claimed = (await claim(store, T0 + 1)).sort((p, q) => Number(p.id) - Number(q.id)) as ClaimedJob[];
    await store.settle([done(claimed[0]!, 'completed', T0 + 10), done(claimed[1]!, 'pending', T0 + 10, { nextRunAt: T0 + 1e6 }), done(claimed[2]!, 'completed', T0 + 5000)]);
    // Retention not in use: settle wrote neither index.
    for (const job of [old, live, kept]) expect(await indexed(tag, job.id)).toEqual({ completed: null, failed: null, cancelled: null, hjobs: null });
    expect(await admin.hget(`${tag}:meta`, 'retention')).toBeNull();

    // The first prune switches them on, backfills the three jobs, and prunes what is due.
    expect(await store.prune({ finishedBefore: { completed: T0 + 100 }, historyBefore: T0 + 100, limit: 10 })).toEqual({ jobs: 1, history: 1 });
    expect(await admin.hget(`${tag}:meta`, 'retention')).toBe('1');
    expect(await admin.hmget(`${tag}:meta`, 'backfill:next', 'backfill:last')).toEqual([null, null]);
    expect(await store.getJob(old.id)).toBeNull();
    expect(await store.history(live.id)).toEqual([]);
    expect(await indexed(tag, kept.id)).toEqual({ completed: T0 + 5000, failed: null, cancelled: null, hjobs: T0 + 5000 });

    // From now on settle keeps them itself.
    const [{ job: later }] = await store.insert([newJob('x')], T0);
    const [c] = (await claim(store, T0 + 6000)) as [ClaimedJob];
    await store.settle([done(c, 'failed', T0 + 6001, { lastError: 'no' })]);
    expect(await indexed(tag, later.id)).toEqual({ completed: null, failed: T0 + 6001, cancelled: null, hjobs: T0 + 6001 });
  });

  it('backfills in chunks, and any process continues where another stopped', async () => {
    const { store, tag, prefix } = await open(randomPrefix(), false);
    await store.insert([newJob('x'), newJob('x'), newJob('x')], T0);
    const claimed = (await claim(store, T0 + 1)).sort((p, q) => Number(p.id) - Number(q.id)) as ClaimedJob[];
    await store.settle(claimed.map((c, i) => done(c, 'completed', T0 + 10 + i)));
    // What the first prune records, without the client's own backfill: then chunks of 2 ids.
    await admin.hset(`${tag}:meta`, 'retention', '1', 'backfill:next', '1', 'backfill:last', claimed[2]!.id);
    expect(await backfill(admin, keysFor(prefix), 2)).toBe(2);
    expect(await admin.hmget(`${tag}:meta`, 'backfill:next', 'backfill:last')).toEqual([null, null]);
    for (const [i, c] of claimed.entries()) expect((await indexed(tag, c.id)).completed).toBe(T0 + 10 + i);
    expect(await store.prune({ finishedBefore: { completed: T0 + 12 }, historyBefore: null, limit: 10 })).toEqual({ jobs: 2, history: 0 });
  });

  it('applies migrations 002 and 004 in O(1): they only move the layout on', async () => {
    const { store, tag } = await open(randomPrefix(), false);
    // 006 (groups) and 008 (groups' upkeep) record the layout only: an older hourglass refuses the prefix. 007 (a
    // group's jobs) and 008 record a range to index only where jobs exist (none in a new prefix); 009 (padded
    // scheduled members) reads the pending jobs with ids below the clock floor (none); 010 (ready heads) records
    // the layout, and the fold of P:readynames finds none.
    expect((await store.migrationStatus()).applied.map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(await admin.hget(`${tag}:meta`, 'layout')).toBe('10');
    expect(await admin.hget(`${tag}:meta`, 'backfill:next')).toBeNull();
  });

  it('moves the history index of layout 3 (P:hjobs, by completedAt) to P:hheads (by record id) when it starts', async () => {
    const { store, tag, prefix } = await open();
    const [{ job: a }, { job: b }] = await store.insert([newJob('x'), newJob('x')], T0);
    const claimed = (await claim(store, T0 + 1)).sort((p, q) => Number(p.id) - Number(q.id)) as ClaimedJob[];
    await store.settle(claimed.map((c, i) => done(c, 'completed', T0 + 10 + i)));
    // As a process of layout 3 left it: P:hjobs scored by completedAt, no P:hheads.
    await admin.del(`${tag}:hheads`);
    await admin.zadd(`${tag}:hjobs`, T0 + 10, a.id, T0 + 11, b.id, T0, '999999');
    expect(await migrate(admin, keysFor(prefix), T0)).toMatchObject({ pending: [] });
    expect(await admin.exists(`${tag}:hjobs`)).toBe(0);
    expect((await indexed(tag, a.id)).hjobs).toBe(T0 + 10);
    expect((await indexed(tag, b.id)).hjobs).toBe(T0 + 11);
    expect(await admin.zcard(`${tag}:hheads`)).toBe(2); // the stray entry (no such job) is dropped
  });

  it('takes history records oldest first by insertion across jobs, and finished jobs by number at one time', async () => {
    const { store } = await open();
    const inserted = await store.insert(Array.from({ length: 10 }, () => newJob('x')), T0);
    const ids = inserted.map((r) => r.job.id);
    const claimed = new Map((await claim(store, T0 + 1)).map((c) => [c.id, c]));
    const at = (i: number) => claimed.get(ids[i]!)!;
    // One batch, written in the order 10th job, 9th job: the 10th's record is the older by insertion.
    await store.settle([done(at(9), 'pending', T0 + 5, { nextRunAt: T0 + 6 }), done(at(8), 'pending', T0 + 5, { nextRunAt: T0 + 6 })]);
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 100, limit: 1 })).toEqual({ jobs: 0, history: 1 });
    expect(await store.history(ids[9]!)).toEqual([]);
    expect(await store.history(ids[8]!)).toHaveLength(1);

    // Job 1 has records at T0+10 and T0+30, job 2 one at T0+20 between them: two records go, 10 and 20.
    await store.settle([done(at(0), 'pending', T0 + 10, { nextRunAt: T0 + 1e6 })]);
    await store.settle([done(at(1), 'pending', T0 + 20, { nextRunAt: T0 + 1e6 })]);
    await store.update(ids[0]!, { nextRunAt: T0 + 21 }, T0 + 21);
    const [again] = (await claim(store, T0 + 25)).filter((c) => c.id === ids[0]);
    await store.settle([done(again!, 'pending', T0 + 30, { nextRunAt: T0 + 1e6 })]);
    await store.prune({ finishedBefore: {}, historyBefore: T0 + 100, limit: 1 }); // the 9th job's record
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 100, limit: 2 })).toEqual({ jobs: 0, history: 2 });
    expect((await store.history(ids[0]!)).map((h) => h.completedAt)).toEqual([T0 + 30]);
    expect(await store.history(ids[1]!)).toEqual([]);

    // Jobs 3 to 8 finish together; ids "10" and up sort before "9" as text, but prune goes by number.
    const more = await store.insert(Array.from({ length: 3 }, () => newJob('y')), T0);
    const late = (await store.claim({ now: T0 + 40, workerId: 'w1', lockToken: 'tok', limit: 10, names: ['y'], limits: [], lockLifetimeMs: 60_000 }));
    await store.settle([...late, ...[2, 3, 4, 5, 6, 7].map(at)].map((c) => done(c, 'completed', T0 + 50)));
    expect(await store.prune({ finishedBefore: { completed: T0 + 100 }, historyBefore: null, limit: 7 })).toEqual({ jobs: 7, history: 0 });
    for (const i of [2, 3, 4, 5, 6, 7]) expect(await store.getJob(ids[i]!)).toBeNull();
    expect(await store.getJob(more[0]!.job.id)).toBeNull();
    expect(await store.getJob(more[1]!.job.id)).not.toBeNull();
  });
});
