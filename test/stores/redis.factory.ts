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
      async checkIndexes() {
        const client = adminClient();
        try {
          await checkReadyHeads(client, prefix);
        } finally {
          client.disconnect();
        }
      },
    };
  },
};

/**
 * P:heads (lib.lua) holds exactly one entry per name with ready jobs, its head (the first of P:ready:<name>),
 * and P:headof names the same: a name missing there would hide its jobs from every fallback-handler claim.
 */
export async function checkReadyHeads(client: Redis, prefix: string): Promise<void> {
  const tag = `{${prefix}}`;
  const expected: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${tag}:ready:*`, 'COUNT', 1000);
    for (const key of keys) {
      const [member, score] = await client.zrange(key, 0, 0, 'WITHSCORES');
      if (member !== undefined) expected.push(`${score} ${member}:${key.slice(`${tag}:ready:`.length)}`);
    }
    cursor = next;
  } while (cursor !== '0');
  const flat = await client.zrange(`${tag}:heads`, 0, -1, 'WITHSCORES');
  const actual: string[] = [];
  for (let i = 0; i < flat.length; i += 2) actual.push(`${flat[i + 1]} ${flat[i]}`);
  const headof = Object.entries(await client.hgetall(`${tag}:headof`)).map(([name, v]) => `${v}:${name}`);
  const sorted = (a: string[]) => [...a].sort().join('\n');
  if (sorted(actual) !== sorted(expected) || sorted(headof) !== sorted(expected)) {
    throw new Error(`P:heads is not every ready name's head:\nexpected\n${sorted(expected)}\nP:heads\n${sorted(actual)}\nP:headof\n${sorted(headof)}`);
  }
}
