/**
 * Durable steps under a real network stall (test/support/stall-proxy.ts): ctx.step's store calls (loadSteps,
 * saveStep) give up after the worker's store-call timeout (a third of the shortest lease), as settles and
 * ctx.progress do, with a typed StoreError: a frozen network never hangs ctx.step past the lease. A step whose
 * save timed out rejects, and the run cannot go on as if it were saved; the job is retried and completes, never
 * lost and never run twice at once. On PostgreSQL and Redis (SQLite is a local file: no network to stall).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { availability, type CreatedStore, type StoreFactory } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { proxyFor, type StallProxy } from '../support/stall-proxy.js';
import { postgresFactory } from './postgres.factory.js';
import { redisFactory } from './redis.factory.js';

/** A lease of 3 s: the run path's store calls give up after 1 s. */
const LEASE = 3000;

for (const factory of [postgresFactory, redisFactory] as StoreFactory[]) {
  const { skip } = await availability(factory);
  describe.skipIf(skip)(`${factory.kind}: ctx.step while the network stalls`, () => {
    let created: CreatedStore | undefined;
    let proxy: StallProxy | undefined;
    let s: Scheduler | undefined;
    afterEach(async () => {
      proxy?.resume();
      await s?.close();
      await proxy?.close();
      await created?.store.close();
      await created?.cleanup();
    });

    async function schedulerBehindProxy(): Promise<Scheduler> {
      created = await factory.create();
      await created.store.init({ logger: silentLogger });
      const behind = await proxyFor(created.url);
      proxy = behind.proxy;
      s = new Scheduler({ store: await storeFromUrl(behind.through.toString()), logger: silentLogger, pollInterval: 50, lockLifetime: LEASE });
      return s;
    }

    /** What a promise ended with: 'ok', or the error's code and how long it took. */
    async function outcome(call: () => Promise<unknown>): Promise<{ code: string | undefined; waited: number } | 'ok'> {
      const started = Date.now();
      return call().then(
        () => 'ok' as const,
        (error: Error & { code?: string }) => ({ code: error.code, waited: Date.now() - started }),
      );
    }

    it('a step whose save gets no answer rejects with STORE_ERROR within the bound; the run stops and the job completes on its retry', async () => {
      const sched = await schedulerBehindProxy();
      const seen: unknown[] = [];
      const effects: number[] = [];
      let running = 0;
      let overlapped = false;
      sched.define(
        'charges',
        async (_job, ctx) => {
          if (running++ > 0) overlapped = true;
          try {
            await ctx.step('first', () => 'a'); // loads the run's steps over a sound network
            if (ctx.attempt === 1) {
              seen.push(
                await outcome(() =>
                  ctx.step('charge', () => {
                    effects.push(ctx.attempt);
                    proxy!.stall(); // the side effect is done; its result's save meets a frozen network
                    return 'charged';
                  }),
                ),
              );
              proxy!.resume();
              // The save's fate is unknown: the run cannot go on as if it were stored.
              seen.push(await outcome(() => ctx.step('after', () => 'never')));
              return 'went on';
            }
            return await ctx.step('charge', () => {
              effects.push(ctx.attempt);
              return 'charged again';
            });
          } finally {
            running--;
          }
        },
        { attempts: 3, backoff: { type: 'fixed', delay: 10 } },
      );
      const job = await sched.now('charges');
      await sched.start();
      await waitUntil(async () => (await sched.getJob(job.id))?.status === 'completed', 30_000, 'the job to complete');
      expect(seen).toEqual([
        { code: 'STORE_ERROR', waited: expect.any(Number) },
        { code: 'STORE_ERROR', waited: expect.any(Number) },
      ]);
      // Given up on after a third of the lease, well before the lease ends.
      expect((seen[0] as { waited: number }).waited).toBeLessThan(LEASE * 0.75);
      expect(overlapped).toBe(false);
      const done = (await sched.getJob(job.id))!;
      // The first run failed (it threw the step's error on), the retry completed: the late save either landed
      // (the retry replays 'charged') or did not (the step runs again): at least once, never at the same time.
      expect(done.attempts).toBe(2);
      expect(['charged', 'charged again']).toContain(done.result);
      expect(effects).toEqual(done.result === 'charged' ? [1] : [1, 2]);
    }, 60_000);

    it('a step whose load gets no answer rejects with STORE_ERROR within the bound, and the job is retried', async () => {
      const sched = await schedulerBehindProxy();
      const seen: unknown[] = [];
      sched.define(
        'loads',
        async (_job, ctx) => {
          if (ctx.attempt === 1) {
            proxy!.stall();
            const result = await outcome(() => ctx.step('only', () => 'x'));
            seen.push(result);
            proxy!.resume();
            throw new Error('the load timed out');
          }
          return ctx.step('only', () => 'done');
        },
        { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      );
      const job = await sched.now('loads');
      await sched.start();
      await waitUntil(async () => (await sched.getJob(job.id))?.status === 'completed', 30_000, 'the job to complete');
      expect(seen).toEqual([{ code: 'STORE_ERROR', waited: expect.any(Number) }]);
      expect((seen[0] as { waited: number }).waited).toBeLessThan(LEASE * 0.75);
      expect((await sched.getJob(job.id))!).toMatchObject({ status: 'completed', result: 'done', attempts: 2 });
    }, 60_000);
  });
}
