/**
 * Fault test: a Scheduler on Redis keeps every job through a restart of the real redis-server.
 * The server is a private one (same settings as scripts/services.sh: AOF everysec, noeviction) so stopping
 * it cannot break other tests using the shared server; it is stopped gracefully, as `services.sh
 * restart-redis` does, and the AOF carries the jobs across. Never leaves a server stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { captureLogger } from './redis.capture.js';
import { redisFactory } from './redis.factory.js';
import { PrivateRedis, hasRedisServer } from './redis.server.js';

const { skip } = await availability(redisFactory);
const runnable = !skip && hasRedisServer();
const JOBS = 300;

const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!runnable)('Scheduler on Redis through a server restart', () => {
  let server: PrivateRedis;
  beforeAll(async () => {
    server = await PrivateRedis.start();
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('completes every job, reports unhealthy while Redis is down, and reconnects', { timeout: 30_000 }, async () => {
    const logger = captureLogger();
    const store = new RedisStore({ url: server.url, prefix: 'fault' });
    const scheduler = new Scheduler({ store, concurrency: 10, pollInterval: 200, lockLifetime: 3_000, logger });
    const finished = new Set<string>();
    scheduler.define('work', async (job) => {
      await new Promise((r) => setTimeout(r, 20));
      finished.add(job.id);
    });
    scheduler.on('scheduler:error', () => {});
    await scheduler.start();
    try {
      const jobs = await scheduler.scheduleBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'work', data: { i } })));
      expect(jobs).toHaveLength(JOBS);

      await until(() => finished.size >= JOBS / 3, 10_000, 'a third of the jobs');
      expect(finished.size).toBeLessThan(JOBS); // the restart really happens mid-way
      await server.stop();
      try {
        await until(async () => !(await scheduler.health()).healthy, 3_000, 'health() to report the outage');
        const down = await scheduler.health();
        expect(down.healthy).toBe(false);
        await new Promise((r) => setTimeout(r, 1_000)); // stay down a while: claims, settles, heartbeats fail
      } finally {
        await server.restart();
      }

      await until(async () => (await scheduler.health()).healthy, 5_000, 'health() after the restart');
      await until(() => finished.size === JOBS, 20_000, `all ${JOBS} jobs to run (ran ${finished.size})`);
      await until(async () => (await scheduler.countJobs()).completed === JOBS, 10_000, 'every job recorded as completed');
      expect(await scheduler.countJobs()).toEqual({ pending: 0, running: 0, completed: JOBS, failed: 0, cancelled: 0, blocked: 0 });
      expect(logger.text('info')).toMatch(/reconnected/);
    } finally {
      await scheduler.stop({ graceful: true, timeoutMs: 5_000 });
    }
  });
});
