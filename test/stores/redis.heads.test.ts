/**
 * Redis-specific ready heads (lib.lua P:heads, layout 10): a claim of any name (a fallback handler) reads the
 * names with ready jobs in the order of their best job, only as far as it can use them; P:readyat lists every
 * ready job by due time. A prefix of layout 9 listed those names in P:readynames: they are folded into both in
 * chunks at start (heads_index.lua), and a fallback handler then claims them in claim order. The heads' exactness under every operation is checked by
 * the differential suite after each random sequence (redis.factory.ts checkReadyHeads).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimRequest, NewJob } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { keysFor } from '../../src/stores/redis/keys.js';
import { foldReadyNames } from '../../src/stores/redis/migrate.js';
import { availability } from '../conformance/factory.js';
import { REDIS_URL, adminClient, checkReadyHeads, redisFactory, usePrefixes } from './redis.factory.js';

const { skip } = await availability(redisFactory);
const T0 = 1_800_000_000_000;

function newJob(name: string, over: Partial<NewJob> = {}): NewJob {
  return { name, data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt: T0 - 10, nextRunAt: T0 - 10, ...over };
}
const anyName = (limit: number, over: Partial<ClaimRequest> = {}): ClaimRequest => ({ now: T0, workerId: 'w', lockToken: 't', limit, names: null, limits: [], lockLifetimeMs: 30_000, ...over });

describe.skipIf(skip)('RedisStore ready heads (redis-specific)', () => {
  const admin = adminClient();
  const newPrefix = usePrefixes();
  const stores: RedisStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    admin.disconnect();
  });

  async function open(): Promise<{ store: RedisStore; prefix: string; tag: string }> {
    const prefix = newPrefix();
    const store = new RedisStore({ url: REDIS_URL, prefix });
    stores.push(store);
    await store.init({ logger: silentLogger });
    return { store, prefix, tag: `{${prefix}}` };
  }

  it('folds the names of layout 9 (P:readynames) into P:heads in chunks, and a fallback handler claims them in order', async () => {
    const { store, prefix, tag } = await open();
    await store.insert([newJob('a', { nextRunAt: T0 - 5 }), newJob('b', { priority: 5 }), newJob('c', { nextRunAt: T0 + 60_000 }), newJob('a', { nextRunAt: T0 - 20 })], T0);
    // As a process of layout 9 left it: the names in P:readynames (with one whose jobs are gone), no P:heads
    // nor P:readyat.
    await admin.del(`${tag}:heads`, `${tag}:headof`, `${tag}:readyat`);
    await admin.sadd(`${tag}:readynames`, 'a', 'b', 'gone');
    expect(await store.claim(anyName(10))).toEqual([]);
    expect(await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 10, offset: 0 })).toHaveLength(1); // c alone
    expect(await foldReadyNames(admin, keysFor(prefix), 1)).toBe(3);
    const pending = await store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' }, limit: 10, offset: 0 });
    expect(pending.map((j) => [j.name, j.nextRunAt - T0])).toEqual([['a', -20], ['b', -10], ['a', -5], ['c', 60_000]]);
    expect(await admin.exists(`${tag}:readynames`)).toBe(0);
    await checkReadyHeads(admin, prefix);
    // b's priority first, then a's two by due time; c is not due.
    expect((await store.claim(anyName(10))).map((j) => [j.name, j.nextRunAt - T0])).toEqual([
      ['b', -10],
      ['a', -20],
      ['a', -5],
    ]);
    await checkReadyHeads(admin, prefix);
    expect(await admin.zcard(`${tag}:heads`)).toBe(0);
  });

  it('takes the best jobs across 3,000 names, stepping over a paused one and one at its cap', async () => {
    const { store, prefix, tag } = await open();
    const names = Array.from({ length: 3000 }, (_, i) => `n${i}`);
    // n<i> is due at T0 - 10 - i: the highest i is the oldest, so the best.
    await store.insert(names.map((name, i) => newJob(name, { nextRunAt: T0 - 10 - i })), T0);
    expect(await admin.zcard(`${tag}:heads`)).toBe(3000);
    await store.setPaused('n2999', true);
    const claimed = await store.claim(anyName(2, { limits: [{ name: 'n2998', localFree: 0 }] }));
    expect(claimed.map((j) => j.name)).toEqual(['n2997', 'n2996']);
    expect(await admin.zcard(`${tag}:heads`)).toBe(2998);
    // The two stepped over keep their entries, first in claim order.
    expect((await admin.zrange(`${tag}:heads`, 0, 1)).map((m) => m.slice(34))).toEqual(['n2999', 'n2998']);
    await checkReadyHeads(admin, prefix);
  });
});
