/**
 * RedisStore's startup checks of server settings. These change server configuration, so they run on a
 * private redis-server (test/stores/redis.server.ts), never on the shared one other tests are using.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { captureLogger } from './redis.capture.js';
import { redisFactory } from './redis.factory.js';
import { PrivateRedis, hasRedisServer } from './redis.server.js';

const { skip } = await availability(redisFactory);
const runnable = !skip && hasRedisServer();

describe.skipIf(!runnable)('RedisStore server checks (private redis-server)', () => {
  let server: PrivateRedis;
  let admin: Redis;
  beforeAll(async () => {
    server = await PrivateRedis.start();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.destroy();
  });

  async function initWith(options: { allowEvictionPolicy?: boolean } = {}) {
    const logger = captureLogger();
    const store = new RedisStore({ url: server.url, prefix: 'cfg', ...options });
    try {
      await store.init({ logger });
      return { logger, error: null };
    } catch (error) {
      return { logger, error: error as Error & { code?: string } };
    } finally {
      await store.close();
    }
  }

  it('starts quietly on noeviction with AOF everysec', async () => {
    const { logger, error } = await initWith();
    expect(error).toBeNull();
    expect(logger.text('warn')).toBe('');
  });

  it('refuses an evicting maxmemory-policy with REDIS_EVICTION_POLICY and the exact fix', async () => {
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      const { error } = await initWith();
      expect(error).toMatchObject({ name: 'HourglassError', code: 'REDIS_EVICTION_POLICY' });
      expect(error!.message).toContain('allkeys-lru');
      expect(error!.message).toContain('maxmemory-policy noeviction');
      expect(error!.message).toContain('allowEvictionPolicy');

      const allowed = await initWith({ allowEvictionPolicy: true });
      expect(allowed.error).toBeNull();
      expect(allowed.logger.text('warn')).toContain('allkeys-lru');
    } finally {
      await admin.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('warns with the setting to change when jobs could be lost on a crash', async () => {
    try {
      await admin.config('SET', 'appendfsync', 'no');
      expect((await initWith()).logger.text('warn')).toMatch(/appendfsync everysec/);
      await admin.config('SET', 'appendonly', 'no');
      await admin.config('SET', 'save', '');
      expect((await initWith()).logger.text('warn')).toMatch(/no persistence.*appendonly yes/s);
      await admin.config('SET', 'save', '3600 1');
      expect((await initWith()).logger.text('warn')).toMatch(/snapshots.*appendonly yes/s);
    } finally {
      await admin.config('SET', 'save', '');
      await admin.config('SET', 'appendonly', 'yes');
      await admin.config('SET', 'appendfsync', 'everysec');
    }
  });

  it('warns that it could not check when CONFIG is disabled (managed Redis), and starts', async () => {
    const managed = await PrivateRedis.start(['--rename-command', 'CONFIG', '']);
    try {
      const logger = captureLogger();
      const store = new RedisStore({ url: managed.url, prefix: 'cfg' });
      await store.init({ logger });
      expect(logger.text('warn')).toMatch(/could not read the server configuration.*noeviction/s);
      await store.close();
    } finally {
      await managed.destroy();
    }
  });
});
