/**
 * storeFromUrl: what a URL asks for is what the store gets, or a typed error naming it; nothing in a URL is
 * dropped or replaced by a default without a word. The Redis database cases run on the test server.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { newJob } from '../conformance/store-contract.js';
import { adminClient, deletePrefix, randomPrefix, REDIS_URL, redisFactory } from '../stores/redis.factory.js';

async function refused(url: string, field: string, pattern: RegExp): Promise<void> {
  const error = await storeFromUrl(url).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, url).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', field });
  expect((error as Error).message).toMatch(pattern);
}

describe('storeFromUrl refuses what it would otherwise drop or misread', () => {
  it('a sqlite: URL with a query or fragment, which better-sqlite3 would make part of the file name', async () => {
    await refused('sqlite:./jobs.db?mode=wal', 'store', /no options.*jobs\.db\?mode=wal/);
    await refused('sqlite::memory:?cache=shared', 'store', /no options/);
    await refused('sqlite:jobs.db#x', 'store', /no options/);
    expect(existsSync('jobs.db?mode=wal')).toBe(false);
  });

  it('an empty schema or prefix, instead of the default one', async () => {
    await refused('postgres://u@127.0.0.1/db?schema=', 'schema', /got ""/);
    await refused('redis://127.0.0.1:6379?prefix=', 'prefix', /got ""/);
    await refused('redis+cluster://127.0.0.1:7000?prefix=', 'prefix', /got ""/);
  });

  it('a query option of a cluster or sentinel URL other than prefix, which no connection would see, and keyPrefix on any', async () => {
    await refused('redis+sentinel://127.0.0.1:26379/main?prefix=app&db=2', 'store', /but prefix \(got db\)/);
    await refused('redis+cluster://u:secret@127.0.0.1:7000?password=x', 'store', /got password/);
    await refused('redis+cluster://u:secret@127.0.0.1:7000?password=x', 'store', /u:\*\*\*@/);
    // ioredis would take ?keyPrefix= as its own option (prefixing only the keys a script is given).
    await refused('redis://127.0.0.1:6379?keyPrefix=app', 'url', /keyPrefix is not supported/);
    // RedisStore given such a URL directly says the same.
    expect(() => new RedisStore({ url: 'redis+sentinel://127.0.0.1:26379/main?db=2' })).toThrow(/url: takes no query options/);
  });
});

const { skip } = await availability(redisFactory);

describe.skipIf(skip)('a redis:// URL naming a database', () => {
  it('uses that database, and fails the start (not database 0) when the server refuses it', async () => {
    const prefix = randomPrefix();
    const url = new URL(REDIS_URL);
    url.pathname = '/3';
    url.searchParams.set('prefix', prefix);
    const admin = adminClient();
    try {
      const store = await storeFromUrl(url.toString());
      await store.init({ logger: silentLogger });
      await store.insert([newJob({ name: 'in-db-3' })], Date.now());
      await store.close();
      await admin.select(3);
      expect((await admin.keys(`{${prefix}}:*`)).length).toBeGreaterThan(0);
      await deletePrefix(admin, prefix);
      await admin.select(0);
      expect(await admin.keys(`{${prefix}}:*`)).toEqual([]);

      url.pathname = '/99';
      const beyond = await storeFromUrl(url.toString());
      const error = await beyond.init({ logger: silentLogger }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'STORE_ERROR' });
      expect((error as Error).message).toMatch(/database 99.*out of range/);
      await beyond.close();
      expect(await admin.keys(`{${prefix}}:*`)).toEqual([]);
    } finally {
      await admin.select(3);
      await deletePrefix(admin, prefix);
      admin.disconnect();
    }
  });
});
