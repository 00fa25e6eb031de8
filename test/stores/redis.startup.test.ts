/**
 * A RedisStore whose first connect fails: the error names the address (the connection's own error, not
 * ioredis's "Connection is closed."), the connection it opened has ended (no socket, no reconnect timer), a stray
 * command fails at once, init() connects again on a new connection, and close() afterwards has nothing left to
 * end. Through a Scheduler, in a process of its own: start() rejects, stop(), and the process exits by itself.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { silentLogger } from '../../src/core/logger.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { freePort } from '../support/ports.js';
import { redisFactory } from './redis.factory.js';
import { PrivateRedis, hasRedisServer } from './redis.server.js';
import { T0, newJob } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

/** The connection the store uses now (private: only the test looks). */
const clientOf = (store: RedisStore): Redis => (store as unknown as { client: Redis }).client;

describe('RedisStore when the first connect fails (redis-specific)', () => {
  it('reports the address, leaves its connection ended, fails a stray command at once, and fails init() again alike', async () => {
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}` });
    const started = Date.now();
    const error = await store.init({ logger: silentLogger }).then(() => null, (e: unknown) => e);
    expect(error).toMatchObject({ code: 'STORE_ERROR', message: `redis connect failed: connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(Date.now() - started).toBeLessThan(3_000);
    const first = clientOf(store);
    expect(first.status).toBe('end'); // no reconnect timer behind a failed start

    // Not queued behind a connection that will never come.
    await expect(store.getJob('1')).rejects.toMatchObject({ code: 'STORE_ERROR', message: /Connection is closed/ });

    // Again: a new connection, the same answer (not "max retries per request" from a client still retrying).
    await expect(store.init({ logger: silentLogger })).rejects.toMatchObject({ message: `redis connect failed: connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(clientOf(store)).not.toBe(first);
    expect(clientOf(store).status).toBe('end');
    await store.close();
    expect(clientOf(store).status).toBe('end');
  });

  it.skipIf(skip || !hasRedisServer())('init() after a failed one connects (the server came up meanwhile), and close() after it ends everything', async () => {
    const server = await PrivateRedis.start();
    try {
      await server.stop(); // the port stays the server's: it starts there again below
      const store = new RedisStore({ url: server.url, prefix: 'startup' });
      await expect(store.init({ logger: silentLogger })).rejects.toMatchObject({ message: new RegExp(`ECONNREFUSED 127\\.0\\.0\\.1:${server.port}$`) });
      await store.close(); // after a failed init: nothing to end, nothing thrown

      await server.restart();
      await store.init({ logger: silentLogger });
      const [{ job }] = await store.insert([newJob('after')], T0);
      expect((await store.getJob(job.id))?.name).toBe('after');
      const client = clientOf(store);
      await store.close();
      await waitUntil(() => client.status === 'end', 2_000, 'the connection ended');

      // A failed init() after close() too.
      await server.stop();
      await expect(store.init({ logger: silentLogger })).rejects.toMatchObject({ code: 'STORE_ERROR', message: /ECONNREFUSED/ });
      expect(clientOf(store).status).toBe('end');
    } finally {
      await server.destroy();
    }
  });

  it('a Scheduler: start() rejects naming the address, stop(), and the process exits by itself', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const script = fileURLToPath(new URL('./redis.startup-child.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, `redis://127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let printedAt = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      printedAt ||= Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => {
      // tsx compiling the sources takes a while on a busy machine; the 5 s that matter start at the child's answer.
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 45_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as { code: string; message: string; failedAfterMs: number; handles: string[]; resources: string[] };
    expect(answer).toMatchObject({ code: 'STORE_ERROR', message: `redis connect failed: connect ECONNREFUSED 127.0.0.1:${port}`, handles: [], resources: [] });
    expect(answer.failedAfterMs).toBeLessThan(5_000);
    expect(Date.now() - printedAt).toBeLessThan(5_000);
  });
});
