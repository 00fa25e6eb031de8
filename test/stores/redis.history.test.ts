/**
 * Redis-specific tests of where history records live: a job's first record in the shared P:hist1 hash (written
 * with one HSET per settle call), later ones in the job's own list, and readers that merge the two by id. Also
 * that records written by the earlier layout (every record in the list) still read, order and prune right, and
 * that settle's blanked lock fields read back as null.
 */
import { describe, expect, it } from 'vitest';
import type { ClaimedJob, Settlement } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { redisFactory } from './redis.factory.js';
import { T0, newJob, useRedisStores } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

describe.skipIf(skip)('RedisStore history layout (redis-specific)', () => {
  const { admin, open } = useRedisStores();

  const claimOne = async (store: RedisStore, now: number) =>
    (await store.claim({ now, workerId: 'w1', lockToken: `tok${now}`, limit: 1, names: null, limits: [], lockLifetimeMs: 60_000 }))[0]!;
  const run = (job: ClaimedJob, at: number, status: Settlement['status'] = 'pending'): Settlement => ({
    id: job.id, lockToken: job.lockToken, status, finishedAt: at, ...(status === 'pending' ? { nextRunAt: at } : {}),
    history: { status: 'completed', attempt: job.attempts, startedAt: at - 1, completedAt: at, error: null, stack: null, result: null, workerId: 'w1' },
  });

  it('keeps the first record in P:hist1 and later ones in the list, and reads them back in order', async () => {
    const { store, tag } = await open();
    const [{ job }] = await store.insert([newJob('x')], T0);
    await store.settle([run(await claimOne(store, T0 + 5), T0 + 10)]);
    expect(await admin.hexists(`${tag}:hist1`, job.id)).toBe(1);
    expect(await admin.exists(`${tag}:hist:${job.id}`)).toBe(0);

    await store.settle([run(await claimOne(store, T0 + 15), T0 + 20)]);
    await store.settle([run(await claimOne(store, T0 + 25), T0 + 30, 'completed')]);
    expect(await admin.llen(`${tag}:hist:${job.id}`)).toBe(2);
    const history = await store.history(job.id);
    expect(history.map((h) => h.completedAt)).toEqual([T0 + 10, T0 + 20, T0 + 30]);
    expect(history.map((h) => Number(h.id))).toEqual([...history.map((h) => Number(h.id))].sort((a, b) => a - b));

    // Settle blanks the lock fields rather than deleting them; they read as null.
    expect(await admin.hget(`${tag}:job:${job.id}`, 'lockToken')).toBe('');
    expect(await store.getJob(job.id)).toMatchObject({ status: 'completed', lockedBy: null, lockedUntil: null });

    // remove() takes the first record with the job.
    await store.remove(job.id);
    expect(await admin.hexists(`${tag}:hist1`, job.id)).toBe(0);
    expect(await store.history(job.id)).toEqual([]);
  });

  it('reads and prunes records of the earlier layout (all in the list) in id order beside new ones', async () => {
    const { store, tag } = await open();
    const [{ job }] = await store.insert([newJob('x')], T0);
    // Two records as the earlier layout wrote them: in the list, with no `histed` mark on the job.
    const old = (id: number, at: number) =>
      JSON.stringify({ id: String(id), jobId: job.id, status: 'completed', attempt: 1, startedAt: at - 1, completedAt: at, error: null, result: null, workerId: 'old' });
    await admin.rpush(`${tag}:hist:${job.id}`, old(1, T0 + 1), old(2, T0 + 2));
    await admin.set(`${tag}:hid`, '2');

    // The next run is this job's first under the new layout: it lands in P:hist1, newer than the list.
    await store.settle([run(await claimOne(store, T0 + 5), T0 + 10)]);
    expect(await admin.hexists(`${tag}:hist1`, job.id)).toBe(1);
    expect((await store.history(job.id)).map((h) => h.completedAt)).toEqual([T0 + 1, T0 + 2, T0 + 10]);

    // The first prune switches retention on and backfills (P:hheads scored by the oldest record's id, in the
    // list); pruning takes the oldest records first wherever they are.
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 3, limit: 10 })).toEqual({ jobs: 0, history: 2 });
    const [left] = await store.history(job.id);
    expect(left).toMatchObject({ completedAt: T0 + 10 });
    expect(await store.history(job.id)).toHaveLength(1);
    expect(await admin.zscore(`${tag}:hheads`, job.id)).toBe(left!.id);

    // The P:hist1 record gone, the next one goes to the list (the job's first was written) and is indexed.
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 11, limit: 10 })).toEqual({ jobs: 0, history: 1 });
    expect(await admin.zscore(`${tag}:hheads`, job.id)).toBeNull();
    await store.settle([run(await claimOne(store, T0 + 15), T0 + 20)]);
    expect(await admin.hexists(`${tag}:hist1`, job.id)).toBe(0);
    const [latest] = await store.history(job.id);
    expect(latest).toMatchObject({ completedAt: T0 + 20 });
    expect(await admin.zscore(`${tag}:hheads`, job.id)).toBe(latest!.id);
  });

  it('records a lost run (lock recovery) as a first record too, and keeps later ones after it', async () => {
    const { store, tag } = await open();
    const [{ job }] = await store.insert([newJob('x')], T0);
    await claimOne(store, T0 + 1); // lease 60 s, never settled
    const again = await claimOne(store, T0 + 120_000); // recovers the expired lock, then claims it again
    expect(again.id).toBe(job.id);
    expect(await admin.hexists(`${tag}:hist1`, job.id)).toBe(1);
    await store.settle([run(again, T0 + 120_010, 'completed')]);
    const history = await store.history(job.id);
    expect(history.map((h) => h.status)).toEqual(['failed', 'completed']);
    expect(history[0]!.error).toMatch(/lock expired/);
  });
});
