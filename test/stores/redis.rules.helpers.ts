/** Small builders shared by the Redis-specific tests, and the stores they open. */
import type { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimRequest, NewJob } from '../../src/core/store.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { REDIS_URL, adminClient, deletePrefix, randomPrefix } from './redis.factory.js';

export const T0 = 1_800_000_000_000;

export function newJob(name: string, over: Partial<NewJob> = {}): NewJob {
  return {
    name, data: { n: 1 }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null,
    repeatKey: null, dedupeKey: null, label: null, dueAt: T0, nextRunAt: T0, ...over,
  };
}

export function claimRequest(now: number, lockToken: string, over: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now, workerId: 'w1', lockToken, limit: 10, names: null, limits: [], lockLifetimeMs: 60_000, ...over };
}

/** A store opened by useRedisStores: its prefix, and the hash tag (`{prefix}`) every one of its keys starts with. */
export interface OpenedRedis {
  store: RedisStore;
  prefix: string;
  tag: string;
}

/**
 * For a describe block: `open()` gives an initialised RedisStore on a fresh prefix (or on `prefix`, shared by
 * several stores); after the block every one is closed and its keys deleted. `admin` reads the keys as stored.
 */
export function useRedisStores(): { admin: Redis; open(prefix?: string): Promise<OpenedRedis> } {
  const admin = adminClient();
  const opened: OpenedRedis[] = [];
  afterAll(async () => {
    for (const { store, prefix } of opened) {
      await store.close();
      await deletePrefix(admin, prefix);
    }
    admin.disconnect();
  });
  return {
    admin,
    async open(prefix = randomPrefix()) {
      const store = new RedisStore({ url: REDIS_URL, prefix });
      await store.init({ logger: silentLogger });
      const one = { store, prefix, tag: `{${prefix}}` };
      opened.push(one);
      return one;
    },
  };
}
