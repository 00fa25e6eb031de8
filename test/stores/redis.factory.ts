/**
 * StoreFactory for the Redis store: each create() gets a fresh random prefix on the test server, so tests
 * (and files running in parallel) never see each other's jobs; cleanup deletes that prefix's keys.
 * Server: HOURGLASS_REDIS_URL, default redis://127.0.0.1:6379 (scripts/services.sh starts one).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { CreatedStore, StoreFactory } from '../conformance/factory.js';

export const REDIS_URL = process.env.HOURGLASS_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function randomPrefix(): string {
  return `hgtest${randomBytes(6).toString('hex')}`;
}

/** URL that storeFromUrl() opens on the same prefix. */
export function urlFor(prefix: string): string {
  const url = new URL(REDIS_URL);
  url.searchParams.set('prefix', prefix);
  return url.toString();
}

/** A short-lived plain client for test set-up (CONFIG SET, key counts); callers quit it. */
export function adminClient(): Redis {
  return new Redis(REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000, retryStrategy: () => null });
}

/** Delete every key of a prefix (SCAN is fine here: tests only). */
export async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * A suite's prefixes: each call gives a fresh random one, and every key under them is deleted once the suite is
 * over (its afterAll). Call it inside the describe.
 */
export function usePrefixes(): () => string {
  const prefixes: string[] = [];
  afterAll(async () => {
    const admin = adminClient();
    for (const prefix of prefixes) await deletePrefix(admin, prefix);
    admin.disconnect();
  });
  return () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    return prefix;
  };
}

export const redisFactory: StoreFactory = {
  kind: 'redis',
  async unavailable() {
    // One attempt with a short timeout: no reconnect storm when nothing listens.
    const client = new Redis(REDIS_URL, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
      return null;
    } catch (error) {
      return `redis does not answer at ${REDIS_URL} (${(error as Error).message})`;
    } finally {
      client.disconnect();
    }
  },
  async create(): Promise<CreatedStore> {
    const prefix = randomPrefix();
    const store = new RedisStore({ url: REDIS_URL, prefix });
    return {
      store,
      url: urlFor(prefix),
      async cleanup() {
        const client = adminClient();
        try {
          await deletePrefix(client, prefix);
        } finally {
          client.disconnect();
        }
      },
    };
  },
};
