/**
 * The process registry on Redis (Store.putProcess, Store.listProcesses; processes.ts, lua/process_put.lua):
 * insert or replace by id, forget what was last seen before `forgetBefore` (the record just written included),
 * list by startedAt then id, values back exactly, keys under the prefix only, one atomic script per write.
 */
import { describe, expect, it } from 'vitest';
import type { ProcessRecord } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { redisFactory } from './redis.factory.js';
import { T0, useRedisStores } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

const record = (id: string, over: Partial<ProcessRecord> = {}): ProcessRecord => ({
  id, host: 'host-1', pid: 100, startedAt: T0, lastSeenAt: T0, stoppedAt: null, concurrency: 4, running: 0, names: ['a', 'b'], activity: [], ...over,
});

describe.skipIf(skip)('RedisStore process registry (redis-specific)', () => {
  const { admin, open } = useRedisStores();

  it('is a real method of RedisStore', () => {
    expect(typeof RedisStore.prototype.putProcess).toBe('function');
    expect(typeof RedisStore.prototype.listProcesses).toBe('function');
  });

  it('replaces by id, lists by startedAt then id, and forgets what was not seen since forgetBefore', async () => {
    const { store, tag } = await open();
    const model = new MemoryStore();
    const steps: [ProcessRecord, number][] = [
      [record('p2', { startedAt: T0 + 5 }), 0],
      [record('p1', { startedAt: T0 + 5, lastSeenAt: T0 + 10 }), 0], // same start: by id
      [record('p0', { startedAt: T0 + 9, lastSeenAt: T0 + 20 }), 0],
      [record('p2', { startedAt: T0 + 5, lastSeenAt: T0 + 30, running: 3 }), 0], // replaced, not added
      [record('p3', { startedAt: T0 + 1, lastSeenAt: T0 + 30 }), T0 + 10], // forgets nothing seen at T0 + 10 or later
      [record('p4', { startedAt: T0, lastSeenAt: T0 + 40 }), T0 + 10.5], // p1 (seen at T0 + 10) goes
      [record('old', { lastSeenAt: T0 + 1 }), T0 + 25], // the record just written goes too, and p0
      [record('p3', { startedAt: T0 + 1, lastSeenAt: T0 + 50, stoppedAt: T0 + 50 }), T0 + 35], // p2 goes
    ];
    for (const [written, forgetBefore] of steps) {
      await store.putProcess(written, forgetBefore);
      await model.putProcess(written, forgetBefore);
      expect(await store.listProcesses(), `${written.id} ${forgetBefore}`).toEqual(await model.listProcesses());
    }
    expect((await store.listProcesses()).map((p) => p.id)).toEqual(['p4', 'p3']);
    // Both keys forgot the same ids.
    expect((await admin.hkeys(`${tag}:processes`)).sort()).toEqual(['p3', 'p4']);
    expect(await admin.zrange(`${tag}:processes:seen`, 0, -1)).toEqual(['p4', 'p3']); // by lastSeenAt
  });

  it('gives back every value exactly: key order, fractions, nulls, nested activity', async () => {
    const { store } = await open();
    const odd = {
      running: 1, id: 'p"1\\é', host: 'hôst\n', pid: 2 ** 31, startedAt: T0 + 0.25, lastSeenAt: T0 + 0.5, stoppedAt: null,
      concurrency: 0, names: null, activity: [{ minute: T0 - (T0 % 60_000), name: 'constructor', completed: 1, failed: 2, retried: 1, runTimes: [0, 1e21, 3] }],
    } as ProcessRecord;
    await store.putProcess(odd, T0);
    const [back] = await store.listProcesses();
    expect(JSON.stringify(back)).toBe(JSON.stringify(odd));
    expect(await store.listProcesses()).toEqual([odd]);
  });

  it('keeps prefixes apart and is untouched by listJobs, remove and prune', async () => {
    const { store: a } = await open();
    const { store: b } = await open();
    await a.putProcess(record('pa'), 0);
    await b.putProcess(record('pb'), 0);
    expect((await a.listProcesses()).map((p) => p.id)).toEqual(['pa']);
    expect((await b.listProcesses()).map((p) => p.id)).toEqual(['pb']);
    await a.prune({ finishedBefore: { completed: T0 * 2, failed: T0 * 2, cancelled: T0 * 2 }, historyBefore: T0 * 2, limit: 100 });
    expect((await a.listProcesses()).map((p) => p.id)).toEqual(['pa']);
    expect(await a.listJobs({ limit: 10, offset: 0 })).toEqual([]);
  });

  it('refuses a time Redis could not compare as JavaScript does, and a value JSON cannot hold, with typed errors', async () => {
    const { store } = await open();
    await expect(store.putProcess(record('p', { lastSeenAt: Number.NaN }), 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.putProcess(record('p'), Number.POSITIVE_INFINITY)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(store.putProcess(record('p', { running: 1n as unknown as number }), 0)).rejects.toMatchObject({ code: 'STORE_ERROR' });
    expect(await store.listProcesses()).toEqual([]);
  });
});
