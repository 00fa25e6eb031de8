/**
 * Lease discipline under a real network stall (issue 11): a worker process whose connection to the store
 * freezes (test/support/stall-proxy.ts stops forwarding both ways) cannot renew its leases; it must stop
 * acting on its jobs when their leases end by its own clock, before another process, seeing the leases
 * ended, takes the jobs over. So no job is ever run by two processes at the same moment. On PostgreSQL and
 * Redis (SQLite is a local file: no network to stall). Without a server: one skip line; in CI: a failure.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { availability, type CreatedStore, type StoreFactory } from '../conformance/factory.js';
import { spawnWorker, waitUntil, type Child } from '../conformance/helpers.js';
import { proxyFor, type StallProxy } from '../support/stall-proxy.js';
import { postgresFactory } from './postgres.factory.js';
import { redisFactory } from './redis.factory.js';

const JOBS = 4;

interface Run {
  who: string;
  id: string;
  start: number;
  end: number;
}

/** The runs a child printed ("started <id> <ms>", "ended <id> <ms>"); a run not ended yet ends at Infinity. */
function runsOf(child: Child, who: string): Run[] {
  const runs: Run[] = [];
  for (const line of child.lines) {
    const [word, id, ms] = line.split(' ');
    if (word === 'started') runs.push({ who, id: id!, start: Number(ms), end: Infinity });
    if (word === 'ended') {
      const run = runs.find((r) => r.id === id && r.end === Infinity);
      if (run) run.end = Number(ms);
    }
  }
  return runs;
}

for (const factory of [postgresFactory, redisFactory] as StoreFactory[]) {
  const { skip } = await availability(factory);
  describe.skipIf(skip)(`${factory.kind}: a worker whose network stalls`, () => {
    let created: CreatedStore | undefined;
    let proxy: StallProxy | undefined;
    let child: Child | undefined;
    let other: Scheduler | undefined;
    afterEach(async () => {
      child?.process.kill('SIGKILL');
      await child?.exited;
      await other?.close();
      await proxy?.close();
      await created?.store.close();
      await created?.cleanup();
    });

    /** A fresh store, and its URL through a stall proxy in front of the server (both also kept for afterEach). */
    async function storeBehindProxy(): Promise<{ created: CreatedStore; proxy: StallProxy; through: URL }> {
      const store = (created = await factory.create());
      await store.store.init({ logger: silentLogger });
      const behind = await proxyFor(store.url);
      proxy = behind.proxy;
      return { created: store, proxy: behind.proxy, through: behind.through };
    }

    it('stops running its jobs when their leases end by its own clock, before another process takes them', async () => {
      const { created, proxy, through } = await storeBehindProxy();

      const producer = new Scheduler({ store: created.store, logger: silentLogger });
      for (let i = 0; i < JOBS; i++) await producer.now('long', { i });

      child = spawnWorker(through.toString(), 'lease');
      await waitUntil(() => runsOf(child!, 'a').length === JOBS, 30_000, 'the stalling worker to start every job');
      proxy.stall();

      // Another process, with a sound network, takes each job over once its lease has ended.
      const taken: Run[] = [];
      other = new Scheduler({ store: await storeFromUrl(created.url), logger: silentLogger, pollInterval: 50, lockLifetime: 2000 });
      other.define('long', async (job) => {
        const run = { who: 'b', id: job.id, start: Date.now(), end: Infinity };
        taken.push(run);
        run.end = Date.now();
      });
      await other.start();
      await waitUntil(() => taken.length === JOBS, 30_000, 'the other process to take every job over');
      proxy.resume();
      await waitUntil(() => runsOf(child!, 'a').every((r) => r.end !== Infinity), 30_000, 'the stalled worker to report its runs');

      for (const mine of runsOf(child, 'a')) {
        const theirs = taken.find((r) => r.id === mine.id)!;
        // The stalled worker stopped (its handler saw the abort) before the other one started the job.
        expect(mine.end, `job ${mine.id}: ended at ${mine.end}, taken over at ${theirs.start}`).toBeLessThanOrEqual(theirs.start);
      }
    }, 90_000);

    it('learns its settle was applied when the answer comes after the call timed out and was sent again', async () => {
      const { created, proxy, through } = await storeBehindProxy();
      // A lease of 3 s: store calls on the run path give up after 1 s (a third of it).
      other = new Scheduler({ store: await storeFromUrl(through.toString()), logger: silentLogger, pollInterval: 50, lockLifetime: 3000 });
      const events: string[] = [];
      for (const name of ['job:success', 'job:complete', 'job:fail'] as const) other.on(name, () => events.push(name));
      // The settle leaves while the network is frozen; the network thaws once that call has timed out (the
      // worker reports it), so a retry and the first call both reach the store. Whichever applies, the other
      // must answer "applied", not "lease lost".
      const settleTimedOut = new Promise<void>((resolve) =>
        other!.on('scheduler:error', (error) => {
          if (/recording job outcomes/.test(error.message)) resolve();
        }),
      );
      other.define('stalls-on-return', async () => {
        proxy.stall();
        return 'done';
      });
      const job = await other.now('stalls-on-return');
      await other.start();
      await settleTimedOut;
      proxy.resume();
      await waitUntil(() => events.includes('job:complete'), 20_000, 'the run to be reported complete');
      expect(events).toEqual(['job:success', 'job:complete']);
      const check = await storeFromUrl(created.url);
      await check.init({ logger: silentLogger });
      expect(await check.getJob(job.id)).toMatchObject({ status: 'completed', result: 'done' });
      expect(await check.history(job.id)).toHaveLength(1);
      await check.close();
    }, 60_000);

    it('rejects ctx.progress with a typed store error when the store does not answer in time, and the run goes on', async () => {
      const { proxy, through } = await storeBehindProxy();
      other = new Scheduler({ store: await storeFromUrl(through.toString()), logger: silentLogger, pollInterval: 50, lockLifetime: 3000 });
      const seen: unknown[] = [];
      const completed = new Promise<void>((resolve) => other!.on('job:complete', () => resolve()));
      other.define('reports', async (_job, ctx) => {
        proxy.stall();
        const started = Date.now();
        seen.push(await ctx.progress(50).then(() => 'saved', (error: Error & { code?: string }) => ({ code: error.code, waited: Date.now() - started })));
        proxy!.resume();
        return 'finished anyway';
      });
      const job = await other.now('reports');
      await other.start();
      await completed;
      expect(seen).toEqual([{ code: 'STORE_ERROR', waited: expect.any(Number) }]);
      // Given up on after a third of the lease, well before the lease ends.
      expect((seen[0] as { waited: number }).waited).toBeLessThan(2000);
      expect(await other.getJob(job.id)).toMatchObject({ status: 'completed', result: 'finished anyway' });
    }, 60_000);
  });
}
