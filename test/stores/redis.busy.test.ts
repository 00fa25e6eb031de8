/**
 * RedisStore while another client's script holds the server (Redis answers BUSY to every other command once a
 * script has run past busy-reply-threshold): a scheduler starting, an enqueue and the worker's claims wait for it
 * to end and go on (src/stores/redis/busy.ts); with busyTimeoutMs 0 the first refusal fails with STORE_ERROR.
 * On a private redis-server whose threshold is 20 ms, so a script of a second holds it; the shared server on
 * 6379 is never blocked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { Scheduler } from '../../src/index.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { captureLogger } from './redis.capture.js';
import { redisFactory } from './redis.factory.js';
import { PrivateRedis, hasRedisServer } from './redis.server.js';
import { newJob } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);
const runnable = !skip && hasRedisServer();

/** A script that keeps the server for `ms` by its own clock. */
const HOG = `local t = redis.call('TIME'); local start = t[1] * 1000 + math.floor(t[2] / 1000)
while true do
  t = redis.call('TIME')
  if t[1] * 1000 + math.floor(t[2] / 1000) - start >= tonumber(ARGV[1]) then return 1 end
end`;

describe.skipIf(!runnable)('RedisStore while Redis is busy with another script (private redis-server)', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start(['--busy-reply-threshold', '20']);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  /** Runs the hog for `ms` on a connection of its own; resolves once other clients are being refused with BUSY. */
  async function hold(ms: number): Promise<{ ended: Promise<number> }> {
    const hog = new Redis(server.url);
    const probe = new Redis(server.url);
    await Promise.all([hog.ping(), probe.ping()]);
    const ended = hog.eval(HOG, 0, ms).then(() => Date.now()).finally(() => hog.disconnect());
    for (;;) {
      const refused = await probe.ping().then(() => false, (error: Error) => error.message.startsWith('BUSY'));
      if (refused) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    probe.disconnect();
    return { ended };
  }

  it('a scheduler started and a job enqueued while the server is busy wait for the script, then the job runs', async () => {
    const logger = captureLogger();
    const scheduler = new Scheduler({ store: new RedisStore({ url: server.url, prefix: 'busy1' }), logger });
    const ran: number[] = [];
    scheduler.define('work', async () => {
      ran.push(Date.now());
    });
    try {
      const { ended } = await hold(1_000);
      const started = scheduler.start().then(() => Date.now());
      const enqueued = scheduler.now('work').then(() => Date.now());
      const [end, startedAt, enqueuedAt] = await Promise.all([ended, started, enqueued]);
      expect(startedAt).toBeGreaterThanOrEqual(end);
      expect(enqueuedAt).toBeGreaterThanOrEqual(end);
      await new Promise<void>((resolve) => scheduler.once('job:complete', () => resolve()));
      expect(ran).toHaveLength(1);
      expect(logger.text('warn')).toContain('redis is busy running a script');
    } finally {
      await scheduler.close();
    }
  });

  it('a worker that is running when the server turns busy keeps claiming once the script ends', async () => {
    const scheduler = new Scheduler({ store: new RedisStore({ url: server.url, prefix: 'busy2' }), logger: captureLogger() });
    let runs = 0;
    scheduler.define('work', async () => {
      runs++;
    });
    try {
      await scheduler.start();
      await scheduler.now('work');
      await new Promise<void>((resolve) => scheduler.once('job:complete', () => resolve()));
      const { ended } = await hold(500);
      const enqueued = scheduler.now('work');
      await ended;
      await enqueued;
      await new Promise<void>((resolve) => scheduler.once('job:complete', () => resolve()));
      expect(runs).toBe(2);
    } finally {
      await scheduler.close();
    }
  });

  it('busyTimeoutMs 0 fails at the first refusal with STORE_ERROR naming the operation; a bad value is a ValidationError', async () => {
    const store = new RedisStore({ url: server.url, prefix: 'busy3', busyTimeoutMs: 0 });
    try {
      await store.init({ logger: captureLogger() });
      const { ended } = await hold(500);
      const error = await store.insert([newJob('work')], Date.now()).catch((e: unknown) => e as Error & { code?: string });
      await ended;
      expect(error).toMatchObject({ code: 'STORE_ERROR' });
      expect((error as Error).message).toMatch(/insert.*BUSY/s);
    } finally {
      await store.close();
    }
    expect(() => new RedisStore({ url: server.url, busyTimeoutMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'busyTimeoutMs', value: -1 }));
  });
});
