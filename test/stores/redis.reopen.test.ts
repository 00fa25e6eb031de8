/**
 * A RedisStore closed and then init()ed again: what a stopped Scheduler does on its next call. A store opened
 * from a url opens a new connection of its own (the old one was quit); a client passed in is never quit and is
 * used again. After the last close nothing the store opened is left connected, so the process can exit.
 */
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { REDIS_URL, redisFactory, usePrefixes } from './redis.factory.js';
import { T0, newJob } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

/** The connection the store uses now (private: only the test looks). */
const clientOf = (store: RedisStore): Redis => (store as unknown as { client: Redis }).client;

describe.skipIf(skip)('RedisStore close() then init() (redis-specific)', () => {
  const prefix = usePrefixes();

  it('opens a new connection of its own after close(), and quits it again', async () => {
    const store = new RedisStore({ url: REDIS_URL, prefix: prefix() });
    await store.init({ logger: silentLogger });
    const [{ job }] = await store.insert([newJob('x')], T0);
    const first = clientOf(store);
    await store.close();
    await waitUntil(() => first.status === 'end', 2_000, 'first connection ended');
    await expect(store.getJob(job.id)).rejects.toMatchObject({ code: 'STORE_ERROR' });

    await store.init({ logger: silentLogger });
    expect(clientOf(store)).not.toBe(first);
    expect((await store.getJob(job.id))?.name).toBe('x');
    expect(await store.listJobs({ limit: 10, offset: 0 })).toHaveLength(1);
    expect(await store.history(job.id)).toEqual([]);
    await store.ping();

    // Used again while close() is still quitting: the new connection is not the one being closed.
    const closing = store.close();
    await store.init({ logger: silentLogger });
    await closing;
    expect((await store.getJob(job.id))?.name).toBe('x');
    await store.close();
    await waitUntil(() => clientOf(store).status === 'end', 2_000, 'last connection ended');
  });

  it('reuses a client it was given, never quitting it', async () => {
    const client = new Redis(REDIS_URL);
    const store = new RedisStore({ client, prefix: prefix() });
    await store.init({ logger: silentLogger });
    await store.close();
    await store.init({ logger: silentLogger });
    const [{ job }] = await store.insert([newJob('given')], T0);
    expect((await store.getJob(job.id))?.name).toBe('given');
    await store.close();
    expect(client.status).toBe('ready');
    await client.quit();
  });

  it('serves a stopped Scheduler as producer and reader, runs jobs after start() again, and ends its connections', async () => {
    const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const socketsBefore = sockets();
    const store = new RedisStore({ url: REDIS_URL, prefix: prefix() });
    const scheduler = new Scheduler({ store, pollInterval: 50, logger: silentLogger });
    const ran: string[] = [];
    scheduler.define('work', async (job: { data: unknown }) => {
      ran.push(String((job.data as { n: number }).n));
      if ((job.data as { n: number }).n === 1) throw new Error('first fails');
      return 'ok';
    }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await scheduler.start();
    const first = await scheduler.now('work', { n: 1 });
    await waitUntil(async () => (await scheduler.getJob(first.id))?.status === 'failed', 10_000, 'first job failed');
    await scheduler.stop();
    await waitUntil(() => clientOf(store).status === 'end', 2_000, 'connection ended on stop');

    // Stopped: every read works, and so does enqueueing (nothing runs it yet).
    expect((await scheduler.getJob(first.id))?.status).toBe('failed');
    expect((await scheduler.listJobs({ status: 'failed' })).map((j) => j.id)).toEqual([first.id]);
    expect((await scheduler.history(first.id)).map((h) => h.status)).toEqual(['failed', 'failed']);
    const second = await scheduler.now('work', { n: 2 });
    expect((await scheduler.getJob(second.id))?.status).toBe('pending');

    await scheduler.start();
    await waitUntil(async () => (await scheduler.getJob(second.id))?.status === 'completed', 10_000, 'second job completed');
    expect(ran).toEqual(['1', '1', '2']);
    await scheduler.stop();
    await waitUntil(() => clientOf(store).status === 'end', 2_000, 'connection ended on the final stop');
    // The wake-up subscription's connection too: nothing the store opened keeps the process alive.
    await waitUntil(() => sockets() <= socketsBefore, 2_000, 'every socket closed');
  });
});
