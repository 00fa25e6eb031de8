/**
 * Redis-specific groups' upkeep (prune_groups.lua): layout 8's indexes of the groups a prefix keeps something of
 * (P:gnames, P:gknown:<name>, P:glive:<g>) are built for the jobs written before it by group_index.lua, in chunks
 * any process continues, and nothing is forgotten until that walk is done.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { NewJob } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { keysFor } from '../../src/stores/redis/keys.js';
import { indexGroupUpkeep } from '../../src/stores/redis/migrate.js';
import { availability } from '../conformance/factory.js';
import { REDIS_URL, adminClient, deletePrefix, randomPrefix, redisFactory } from './redis.factory.js';

const { skip } = await availability(redisFactory);
const T0 = 1_800_000_000_000;

function newJob(group: string, over: Partial<NewJob> = {}): NewJob {
  return { name: 'work', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, group, dueAt: T0, nextRunAt: T0, ...over };
}

describe.skipIf(skip)('RedisStore groups upkeep (redis-specific)', () => {
  const admin = adminClient();
  const prefixes: string[] = [];
  const stores: RedisStore[] = [];
  afterAll(async () => {
    for (const store of stores) await store.close();
    for (const prefix of prefixes) await deletePrefix(admin, prefix);
    admin.disconnect();
  });

  it('indexes the groups of jobs written before layout 8 in chunks, and forgets nothing until that is done', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const store = new RedisStore({ url: REDIS_URL, prefix });
    stores.push(store);
    await store.init({ logger: silentLogger });
    const tag = `{${prefix}}`;
    // a: a pending job; b: a finished one; c: a job scheduled later (only in P:scheduled, not in a ready zset).
    await store.insert([newJob('a'), newJob('b')], T0);
    await store.insert([newJob('c', { nextRunAt: T0 + 60_000, dueAt: T0 + 60_000 })], T0);
    const claimed = await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 2, names: ['work'], limits: [], lockLifetimeMs: 30_000 });
    expect(claimed.map((j) => j.group).sort()).toEqual(['a', 'b']);
    const b = claimed.find((j) => j.group === 'b')!;
    await store.settle([{ id: b.id, lockToken: 't', status: 'completed', finishedAt: T0 + 1, history: null }]);
    // As a prefix written before layout 8: none of its indexes, and the walk still to do.
    const live = await admin.keys(`${tag}:glive:*`);
    await admin.del(`${tag}:gnames`, `${tag}:gknown:work`, ...live);
    const last = await admin.get(`${tag}:id`);
    await admin.hset(`${tag}:meta`, 'gl:next', '1', 'gl:last', last!);
    expect((await store.pruneGroups({ now: T0 + 2, rateBefore: T0 + 2, limit: 10, cursor: null })).forgotten).toBe(0);
    expect(await indexGroupUpkeep(admin, keysFor(prefix), 1)).toBeGreaterThan(1);
    expect(await admin.zrange(`${tag}:gknown:work`, 0, -1)).toEqual(['a', 'b', 'c']);
    // a (running) and c (pending, not yet due) are kept; b went away.
    expect(await store.pruneGroups({ now: T0 + 2, rateBefore: T0 + 2, limit: 10, cursor: null })).toEqual({ forgotten: 1, next: null });
    expect(await admin.zrange(`${tag}:gknown:work`, 0, -1)).toEqual(['a', 'c']);
  });
});
