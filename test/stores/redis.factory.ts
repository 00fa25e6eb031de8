/**
 * StoreFactory for the Redis store: each create() gets a fresh random prefix on the test server, so tests
 * (and files running in parallel) never see each other's jobs; cleanup deletes that prefix's keys.
 * Server: HOURGLASS_REDIS_URL, default redis://127.0.0.1:6379 (scripts/services.sh starts one).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';
import { JOB_STATUSES } from '../../src/core/types.js';
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

/** `fn` with a short-lived admin client, disconnected however it ends. */
async function withAdmin<T>(fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = adminClient();
  try {
    return await fn(client);
  } finally {
    client.disconnect();
  }
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
      cleanup: () => withAdmin((client) => deletePrefix(client, prefix)),
      checkIndexes: () => withAdmin((client) => checkReadyHeads(client, prefix)),
    };
  },
};

/**
 * P:heads (lib.lua) holds exactly one entry per name with ready jobs, its head (the first of P:ready:<name>),
 * and P:headof names the same: a name missing there would hide its jobs from every fallback-handler claim.
 * P:readyat holds exactly the jobs of every ready zset (P:ready:<name>, P:gready:<g>) by nextRunAt: one missing
 * there would be missing from the lists of pending jobs by due time.
 */
export async function checkReadyHeads(client: Redis, prefix: string): Promise<void> {
  const tag = `{${prefix}}`;
  // Every job of the prefix (the status indexes; P:locked for running ones), and from them the ready zsets there
  // can be: one per name, one per (name, group). Not SCAN: the server may hold millions of other keys.
  const ids = new Set<string>();
  for (const status of JOB_STATUSES) {
    for (const id of await client.zrange(status === 'running' ? `${tag}:locked` : `${tag}:s:${status}`, 0, -1)) ids.add(id);
  }
  const readyKeys = new Map<string, string | null>(); // key -> the name whose head it gives (null: a group's)
  for (const id of ids) {
    const [name, group] = await client.hmget(`${tag}:job:${id}`, 'name', 'group');
    if (name === null) continue;
    readyKeys.set(`${tag}:ready:${name}`, name);
    if (group !== null) readyKeys.set(`${tag}:gready:${Buffer.byteLength(name)}:${name}:${group}`, null);
  }
  const expected: string[] = [];
  const expectedAt: string[] = [];
  for (const [key, name] of readyKeys) {
    const members = await client.zrange(key, 0, -1, 'WITHSCORES');
    if (name !== null && members.length > 0) expected.push(`${members[1]} ${members[0]}:${name}`);
    for (let i = 0; i < members.length; i += 2) {
      // "<nextRunAt>:<id>", each padded to 16 digits; P:readyat's member is the padded id, scored by nextRunAt.
      const padded = members[i]!.slice(17);
      expectedAt.push(`${await client.hget(`${tag}:job:${padded.replace(/^0+(?=\d)/, '')}`, 'nextRunAt')} ${padded}`);
    }
  }
  const pairsOf = (flat: string[]) => Array.from({ length: flat.length / 2 }, (_, i) => `${flat[2 * i + 1]} ${flat[2 * i]}`);
  const actual = pairsOf(await client.zrange(`${tag}:heads`, 0, -1, 'WITHSCORES'));
  const headof = Object.entries(await client.hgetall(`${tag}:headof`)).map(([name, v]) => `${v}:${name}`);
  const actualAt = pairsOf(await client.zrange(`${tag}:readyat`, 0, -1, 'WITHSCORES'));
  const sorted = (a: string[]) => [...a].sort().join('\n');
  if (sorted(actual) !== sorted(expected) || sorted(headof) !== sorted(expected)) {
    throw new Error(`P:heads is not every ready name's head:\nexpected\n${sorted(expected)}\nP:heads\n${sorted(actual)}\nP:headof\n${sorted(headof)}`);
  }
  if (sorted(actualAt) !== sorted(expectedAt)) {
    throw new Error(`P:readyat is not every ready job:\nexpected\n${sorted(expectedAt)}\nP:readyat\n${sorted(actualAt)}`);
  }
}
