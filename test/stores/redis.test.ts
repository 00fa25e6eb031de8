/**
 * Redis-specific tests of RedisStore on a real server (never a mock). The shared conformance suites run
 * against this store too (see the bottom of this file once they exist); these cover what only Redis has:
 * prefixes, the client passed in, pub/sub wake-ups, races between processes on one prefix, Lua-side ordering.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { storeFromUrl } from '../../src/core/store-url.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Store } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { REDIS_URL, adminClient, deletePrefix, randomPrefix, redisFactory } from './redis.factory.js';
import { T0, newJob, useRedisStores } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

describe.skipIf(skip)('RedisStore (redis-specific)', () => {
  const stores = useRedisStores();
  const open = async (prefix?: string): Promise<RedisStore> => (await stores.open(prefix)).store;

  it('rejects prefixes that would break the hash tag or the key layout', () => {
    for (const bad of ['', 'a{b}', 'x}', 'has space', 'a'.repeat(65), 'é']) {
      expect(() => new RedisStore({ url: REDIS_URL, prefix: bad })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'prefix' }));
    }
    expect(() => new RedisStore({ url: 'http://x' })).toThrow(/redis:\/\//);
  });

  it('keeps two prefixes on one server apart', async () => {
    const a = await open();
    const b = await open();
    await a.insert([newJob('shared'), newJob('shared')], T0);
    expect((await a.countJobs()).pending).toBe(2);
    expect(await b.countJobs()).toEqual({ pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
    expect(await b.listJobs({ limit: 10, offset: 0 })).toEqual([]);
    expect(await b.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 10, names: null, limits: [], lockLifetimeMs: 1000 })).toEqual([]);
    expect(await b.getJob('1')).toBeNull();
    expect(await a.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 10, names: null, limits: [], lockLifetimeMs: 1000 })).toHaveLength(2);
  });

  it('writes every key under {prefix}:', async () => {
    const prefix = randomPrefix();
    const store = await open(prefix);
    const [{ job }] = await store.insert([newJob('k', { dedupeKey: 'd', repeatKey: 'r', repeat: { every: 1000 } })], T0);
    await store.acquireLock('l', 'o', 10_000, T0);
    await store.setPaused('p', true);
    await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 1, names: null, limits: [], lockLifetimeMs: 1000 });
    const admin = adminClient();
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await admin.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      keys.push(...found);
      cursor = next;
    } while (cursor !== '0');
    admin.disconnect();
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) expect(key.startsWith(`{${prefix}}:`)).toBe(true);
    expect(keys).toContain(`{${prefix}}:job:${job!.id}`);
  });

  it('never quits a client it was given, and refuses one with keyPrefix', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = randomPrefix();
    const store = new RedisStore({ client, prefix });
    await store.init({ logger: silentLogger });
    const unsubscribe = await store.subscribe(() => {});
    await store.insert([newJob('mine')], T0);
    await unsubscribe();
    await store.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    await deletePrefix(client, prefix);
    const prefixed = new Redis(REDIS_URL, { keyPrefix: 'app:', lazyConnect: true });
    expect(() => new RedisStore({ client: prefixed })).toThrow(/keyPrefix/);
    await client.quit();
  });

  it('quits the client it opened from a url', async () => {
    const prefix = randomPrefix();
    const store = new RedisStore({ url: REDIS_URL, prefix });
    await store.init({ logger: silentLogger });
    await store.close();
    await expect(store.ping()).rejects.toMatchObject({ code: 'STORE_ERROR' });
    const admin = adminClient();
    await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it('answers null (never a Redis error) for unknown or malformed ids', async () => {
    const store = await open();
    await store.insert([newJob('x')], T0);
    for (const id of ['abc', '', '0', '-1', '1e3', '1.0', ' 1', '99999999999999999999', '{x}', '999999']) {
      expect(await store.getJob(id)).toBeNull();
      expect(await store.cancel(id, T0)).toBeNull();
      expect(await store.trigger(id, T0)).toBeNull();
      expect(await store.update(id, { priority: 3 }, T0)).toBeNull();
      expect(await store.remove(id)).toBe(false);
      expect(await store.history(id)).toEqual([]);
      expect(await store.saveProgress(id, 'tok', 1, T0)).toBe(false);
    }
    expect(await store.heartbeat([{ id: 'nope', lockToken: 't', lockedUntil: T0 }], T0)).toEqual(['lost']);
    expect(await store.settle([{ id: 'nope', lockToken: 't', status: 'completed', finishedAt: T0, history: null }])).toEqual([false]);
  });

  it('opens the same prefix through storeFromUrl', async () => {
    const created = await redisFactory.create();
    await created.store.init({ logger: silentLogger });
    const [{ job }] = await created.store.insert([newJob('via-url')], T0);
    const other = await storeFromUrl(created.url);
    await other.init({ logger: silentLogger });
    expect((await other.getJob(job!.id))?.name).toBe('via-url');
    await other.close();
    await created.store.close();
    await created.cleanup();
  });

  it('claims by priority, then due time, then insertion order, across names, skipping paused names', async () => {
    const store = await open();
    const inserted = await store.insert([
      newJob('a', { priority: 0, nextRunAt: T0 - 10 }), // 1
      newJob('b', { priority: 5, nextRunAt: T0 - 5 }), // 2
      newJob('a', { priority: 5, nextRunAt: T0 - 5 }), // 3: same priority and time as 2, later id
      newJob('b', { priority: 5, nextRunAt: T0 - 20 }), // 4: earliest of priority 5
      newJob('c', { priority: 100 }), // 5: paused
      newJob('a', { priority: -3 }), // 6
      newJob('a', { priority: 50, nextRunAt: T0 + 1000 }), // 7: not due yet
    ], T0 - 100);
    const ids = inserted.map((r) => r.job.id);
    await store.setPaused('c', true);
    expect(await store.pausedNames()).toEqual(['c']);
    const claimed = await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 10, names: null, limits: [], lockLifetimeMs: 1000 });
    expect(claimed.map((j) => j.id)).toEqual([ids[3], ids[1], ids[2], ids[0], ids[5]]);
    expect(claimed.every((j) => j.status === 'running' && j.attempts === 1 && j.lockToken === 't' && j.lockedUntil === T0 + 1000)).toBe(true);
    await store.setPaused('c', false);
    const later = await store.claim({ now: T0 + 1000, workerId: 'w', lockToken: 'u', limit: 10, names: ['a', 'c'], limits: [], lockLifetimeMs: 5000 });
    expect(later.map((j) => j.id)).toEqual([ids[4], ids[6]]);
  });

  it('recovers an expired lock in claim: back to pending with a failed history entry, then claimable', async () => {
    const store = await open();
    const [{ job }] = await store.insert([newJob('r')], T0);
    const [first] = await store.claim({ now: T0, workerId: 'w1', lockToken: 't1', limit: 1, names: null, limits: [], lockLifetimeMs: 1000 });
    expect(await store.heartbeat([{ id: job!.id, lockToken: 't1', lockedUntil: T0 + 2000 }], T0 + 500)).toEqual(['ok']);
    expect(await store.claim({ now: T0 + 1500, workerId: 'w2', lockToken: 't2', limit: 1, names: null, limits: [], lockLifetimeMs: 1000 })).toEqual([]);
    const [second] = await store.claim({ now: T0 + 2001, workerId: 'w2', lockToken: 't2', limit: 1, names: null, limits: [], lockLifetimeMs: 1000 });
    expect(second?.id).toBe(first!.id);
    expect(second?.attempts).toBe(2);
    const history = await store.history(job!.id);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ status: 'failed', attempt: 1, startedAt: T0, completedAt: T0 + 2001, workerId: 'w1', jobId: job!.id });
    expect(history[0]!.error).toMatch(/^lock expired/);
    expect(await store.settle([{ id: job!.id, lockToken: 't1', status: 'completed', finishedAt: T0 + 2002, history: null }])).toEqual([false]);
    expect(await store.heartbeat([{ id: job!.id, lockToken: 't1', lockedUntil: T0 + 9000 }], T0 + 2002)).toEqual(['lost']);
  });

  it('promotes scheduled jobs when they fall due, and keeps JSON data exact', async () => {
    const store = await open();
    const data = { big: 9007199254740991, tiny: 1e-300, pi: 3.141592653589793, text: 'ünï "q" /\\', list: [], obj: {} };
    const [{ job }] = await store.insert([newJob('later', { data, nextRunAt: T0 + 60_000, dueAt: T0 + 60_000 })], T0);
    expect(await store.claim({ now: T0 + 59_999, workerId: 'w', lockToken: 't', limit: 5, names: null, limits: [], lockLifetimeMs: 1000 })).toEqual([]);
    const [claimed] = await store.claim({ now: T0 + 60_000, workerId: 'w', lockToken: 't', limit: 5, names: null, limits: [], lockLifetimeMs: 1000 });
    expect(claimed?.id).toBe(job!.id);
    expect(claimed?.data).toEqual(data);
  });

  it('returns each claimed job exactly as stored (the claim reply is read by position), alone or after a settle', async () => {
    const store = await open();
    const full = newJob('full', {
      data: { deep: [1, { x: 'y' }] }, priority: 3, maxAttempts: 5, backoff: { type: 'exponential', delay: 10 }, timeoutMs: 250,
      repeat: { every: 1000 }, repeatKey: 'rk', dedupeKey: 'dk',
    });
    const [{ job }] = await store.insert([full, newJob('plain')], T0);
    const request = { now: T0 + 1, workerId: 'w', lockToken: 't1', limit: 1, names: ['full'], limits: [], lockLifetimeMs: 1000, lockLifetimes: { full: 2500 } };
    const [first] = await store.claim(request);
    expect(first).toEqual({ ...(await store.getJob(job!.id)), lockToken: 't1' });
    expect(first).toMatchObject({ status: 'running', attempts: 1, lastRunAt: T0 + 1, lockedBy: 'w', lockedUntil: T0 + 2501, updatedAt: T0 + 1 });
    await store.saveProgress(job!.id, 't1', { half: true }, T0 + 2);
    // A retry due at once, claimed again in the same call: result, lastError, lastFinishedAt and progress come back too.
    const retry = {
      id: job!.id, lockToken: 't1', status: 'pending' as const, nextRunAt: T0 + 3, result: { partial: 1 }, lastError: 'boom', lastErrorStack: null, finishedAt: T0 + 3,
      history: { status: 'failed' as const, attempt: 1, startedAt: T0 + 1, completedAt: T0 + 3, error: 'boom', stack: null, result: null, workerId: 'w' },
    };
    const { settled, claimed } = await store.settleAndClaim([retry], { ...request, now: T0 + 3, lockToken: 't2' });
    expect(settled).toEqual([true]);
    expect(claimed).toEqual([{ ...(await store.getJob(job!.id)), lockToken: 't2' }]);
    expect(claimed[0]).toMatchObject({ attempts: 2, lastError: 'boom', result: { partial: 1 }, progress: { half: true }, lastFinishedAt: T0 + 3 });
    expect(await store.history(job!.id)).toEqual([
      { id: expect.any(String), jobId: job!.id, status: 'failed', attempt: 1, startedAt: T0 + 1, completedAt: T0 + 3, error: 'boom', stack: null, result: null, workerId: 'w' },
    ]);
  });

  it('delivers a wake-up over pub/sub when another connection makes work due', async () => {
    const prefix = randomPrefix();
    const listener = await open(prefix);
    const writer = await open(prefix);
    let wakes = 0;
    let resolveWake!: () => void;
    const woke = new Promise<void>((r) => (resolveWake = r));
    const unsubscribe = await listener.subscribe(() => {
      wakes++;
      resolveWake();
    });
    await writer.insert([newJob('later', { nextRunAt: Date.now() + 3_600_000, dueAt: Date.now() + 3_600_000 })], Date.now());
    await new Promise((r) => setTimeout(r, 100));
    expect(wakes).toBe(0); // not due: no wake-up
    const now = Date.now();
    await writer.insert([newJob('now', { nextRunAt: now, dueAt: now })], now);
    await Promise.race([woke, new Promise((_, reject) => setTimeout(() => reject(new Error('no wake-up within 2 s')), 2_000))]);
    expect(wakes).toBe(1);
    await unsubscribe();
  });

  it('never exceeds a global per-name cap while several stores race to claim', async () => {
    const prefix = randomPrefix();
    const stores = await Promise.all([open(prefix), open(prefix), open(prefix), open(prefix)]);
    const CAP = 3;
    await stores[0]!.insert(Array.from({ length: 40 }, () => newJob('capped')), T0);
    await stores[0]!.insert(Array.from({ length: 10 }, () => newJob('free')), T0);
    const running = new Map<string, { store: Store; token: string }>();
    let done = 0;
    let freeClaimed = 0;
    for (let round = 0; done < 40 && round < 200; round++) {
      const results = await Promise.all(
        stores.map((store, i) => {
          const token = `r${round}s${i}`;
          return store
            .claim({ now: T0 + round, workerId: `w${i}`, lockToken: token, limit: 5, names: null, limits: [{ name: 'capped', global: CAP }], lockLifetimeMs: 60_000 })
            .then((jobs) => jobs.map((job) => ({ job, store, token })));
        }),
      );
      for (const { job, store, token } of results.flat()) {
        if (job.name === 'free') freeClaimed++;
        else running.set(job.id, { store, token });
      }
      expect(running.size).toBeLessThanOrEqual(CAP);
      expect((await stores[0]!.countJobs('capped')).running).toBe(running.size);
      // Finish one or two of the running jobs, from the store that claimed each.
      for (const [id, { store, token }] of [...running].slice(0, 1 + (round % 2))) {
        expect(await store.settle([{ id, lockToken: token, status: 'completed', finishedAt: T0 + round, history: null }])).toEqual([true]);
        running.delete(id);
        done++;
      }
    }
    expect(done).toBe(40);
    expect(freeClaimed).toBe(10);
  });

  it('creates one job when concurrent inserts race on a dedupe key', async () => {
    const prefix = randomPrefix();
    const stores = await Promise.all([open(prefix), open(prefix), open(prefix), open(prefix), open(prefix)]);
    const results = await Promise.all(stores.flatMap((store) => Array.from({ length: 10 }, () => store.insert([newJob('once', { dedupeKey: 'the-key' })], T0))));
    const flat = results.flat();
    expect(flat.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(flat.map((r) => r.job.id)).size).toBe(1);
    expect((await stores[0]!.countJobs()).pending).toBe(1);
  });

  it('upserts one repeating job per repeat key when many processes boot at once', async () => {
    const prefix = randomPrefix();
    const stores = await Promise.all([open(prefix), open(prefix), open(prefix)]);
    const spec = newJob('tick', { repeat: { every: 60_000 }, repeatKey: 'tick' });
    const results = (await Promise.all(stores.map((s) => s.insert([spec, spec], T0)))).flat();
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1);
  });

  it('named locks: owner re-acquires and extends, others wait for expiry, release only by the owner', async () => {
    const store = await open();
    expect(await store.acquireLock('report', 'a', 1_000, T0)).toBe(true);
    expect(await store.acquireLock('report', 'b', 1_000, T0 + 500)).toBe(false);
    expect(await store.acquireLock('report', 'a', 1_000, T0 + 900)).toBe(true); // extends to T0 + 1900
    expect(await store.acquireLock('report', 'b', 1_000, T0 + 1500)).toBe(false);
    expect(await store.releaseLock('report', 'b')).toBe(false);
    expect(await store.acquireLock('report', 'b', 1_000, T0 + 1901)).toBe(true); // a's lock expired
    expect(await store.releaseLock('report', 'a')).toBe(false);
    expect(await store.releaseLock('report', 'b')).toBe(true);
    expect(await store.acquireLock('report', 'c', 1_000, T0 + 1902)).toBe(true);
  });
});
