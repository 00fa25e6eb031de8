/**
 * Workflow robustness through the public API (docs/workflows.md): retention never prunes a dependency a
 * blocked (or cascade-cancelled) node still waits for, so the flow stays resumable; a ctx.flow() sub-graph
 * inserted again by a run repeated after a crash between the insert and the settle adds nothing. Every store
 * runs this file unchanged (flows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { Settlement, Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { statusOf } from '../support/scheduler.js';
import { useHarness } from './scheduler-contract.js';

/** Until the clock has moved past `ms` after now (retention's cutoffs are strict). */
async function past(ms: number): Promise<void> {
  const until = Date.now() + ms;
  await waitUntil(() => Date.now() > until);
}

/**
 * The store as a process sees it that dies right after its run's follow-ups went in: the first settle of a job
 * `dropFirst` picks is not applied and answers "lease lost", so the outcome is dropped and the job, still
 * running, is recovered once its lease ends and runs again (the settle of the other jobs goes through).
 */
function droppingFirstSettle(store: Store, dropFirst: (s: Settlement) => boolean): Store {
  let dropped = false;
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'settleAndClaim' || prop === 'preferSettleAndClaim') return undefined;
      if (prop === 'settle') {
        return async (settlements: Settlement[]): Promise<boolean[]> => {
          const drop = dropped ? -1 : settlements.findIndex(dropFirst);
          if (drop < 0) return target.settle(settlements);
          dropped = true;
          const answers = await target.settle(settlements.filter((_, i) => i !== drop));
          answers.splice(drop, 0, false);
          return answers;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

export async function describeSchedulerFlowGaps(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: workflow graphs under retention and crashes`, () => {
    const h = useHarness(factory);

    it('retention keeps a failed dependency while a dependent waits for it; the flow resumes by retrying it', async () => {
      const s = await h.scheduler();
      let broken = true;
      s.define('fetch', async () => {
        if (broken) throw new Error('down');
        return 'fetched';
      }, { attempts: 1 });
      s.define('use', async (_job, ctx) => ctx.results());
      const jobs = await s.flow([
        { key: 'fetch', name: 'fetch' },
        { key: 'parse', name: 'use', after: ['fetch'] },
        { key: 'store', name: 'use', after: ['parse'] },
        { key: 'audit', name: 'use', after: ['fetch'] },
      ]);
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.store!.id, 'pruned')) === 'cancelled' && (await statusOf(s, jobs.audit!.id, 'pruned')) === 'cancelled');
      // An operator triggers parse back while fetch is still failed: parse waits for it again (blocked), and
      // so does store, which parse's cascade had cancelled.
      await s.trigger(jobs.parse!.id);
      expect(await statusOf(s, jobs.parse!.id, 'pruned')).toBe('blocked');
      expect(await statusOf(s, jobs.store!.id, 'pruned')).toBe('blocked');
      await past(5);
      // Every finished job is past its cutoff. audit (cancelled by the cascade, no dependents) goes; fetch stays,
      // sweep after sweep, while parse waits for it.
      const retention = { completed: 1, failed: 1, cancelled: 1 };
      expect((await s.prune(retention)).jobs).toBe(1);
      expect((await s.prune(retention)).jobs).toBe(0);
      expect(await statusOf(s, jobs.audit!.id, 'pruned')).toBe('pruned');
      expect(await statusOf(s, jobs.fetch!.id, 'pruned')).toBe('failed');
      // Still resumable: retrying fetch releases parse, then store.
      broken = false;
      expect(await s.requeueFailed('fetch')).toBe(1);
      await waitUntil(async () => (await statusOf(s, jobs.store!.id, 'pruned')) === 'completed');
      expect((await s.getJob(jobs.parse!.id))!.result).toEqual({ fetch: 'fetched' });
      // Nothing waits for fetch any more: it is pruned as usual once it finished long enough ago.
      await past(5);
      await s.prune(retention);
      expect(await statusOf(s, jobs.fetch!.id, 'pruned')).toBe('pruned');
    });

    it('retention keeps a failed dependency while its cascade-cancelled dependents may come back; once they are cancelled by hand, or pruned, it goes', async () => {
      const s = await h.scheduler();
      s.define('fetch', async () => {
        throw new Error('down');
      }, { attempts: 1 });
      s.define('use', async () => 'used');
      const jobs = await s.flow([
        { key: 'fetch', name: 'fetch' },
        { key: 'parse', name: 'use', after: ['fetch'] },
      ]);
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.parse!.id, 'pruned')) === 'cancelled');
      await s.trigger(jobs.parse!.id); // blocked again, waiting for fetch
      await past(5);
      // Only failed jobs are pruned: fetch is held back by parse (blocked) for as long as parse waits.
      expect((await s.prune({ failed: 1 })).jobs).toBe(0);
      expect(await statusOf(s, jobs.fetch!.id, 'pruned')).toBe('failed');
      // The operator gives up on parse: cancelled by hand, it no longer waits; fetch is pruned as usual.
      await s.cancel(jobs.parse!.id);
      await past(5);
      expect((await s.prune({ failed: 1 })).jobs).toBe(1);
      expect(await statusOf(s, jobs.fetch!.id, 'pruned')).toBe('pruned');
      expect(await statusOf(s, jobs.parse!.id, 'pruned')).toBe('cancelled');
    });
    it('a ctx.flow sub-graph inserted again by a run repeated after its settle was lost adds nothing: each node once, the flow done once', async () => {
      await h.created.store.init({ logger: silentLogger });
      let planId = '';
      const s = new Scheduler({ store: droppingFirstSettle(h.created.store, (x) => x.id === planId), logger: silentLogger, pollInterval: 50, lockLifetime: 1000 });
      try {
        const runs = { plan: 0, part: 0, sum: 0 };
        s.define('plan', async (_job, ctx) => {
          runs.plan++;
          ctx.flow([
            { key: 'x', name: 'part', data: 1 },
            { key: 'y', name: 'part', data: 2 },
            { key: 'sum', name: 'sum', after: ['x', 'y'] },
          ]);
          return 'planned';
        });
        s.define('part', async (job) => {
          runs.part++;
          return (job.data as number) * 10;
        });
        s.define('sum', async (_job, ctx) => {
          runs.sum++;
          return Object.values(await ctx.results()).reduce((a, b) => (a as number) + (b as number), 0);
        });
        const plan = await s.now('plan');
        planId = plan.id;
        await s.start();
        // The first run inserted the sub-graph and lost its settle; the second (after the lease ended) inserted
        // the same sub-graph again, by then done or under way, and settled.
        await waitUntil(async () => (await statusOf(s, plan.id, 'pruned')) === 'completed', 20_000, 'the plan to run again and complete');
        await waitUntil(async () => (await s.listJobs({ name: 'sum', status: 'completed' })).length === 1, 10_000, 'the sum to complete');
        expect(runs.plan).toBe(2);
        const parts = await s.listJobs({ name: 'part' });
        const sums = await s.listJobs({ name: 'sum' });
        expect(parts.map((j) => j.data).sort()).toEqual([1, 2]);
        expect(sums).toHaveLength(1);
        expect(sums[0]!).toMatchObject({ status: 'completed', result: 30, dependencies: { x: expect.any(String), y: expect.any(String) } });
        expect(Object.values(sums[0]!.dependencies!).sort()).toEqual(parts.map((j) => j.id).sort());
        expect(runs).toEqual({ plan: 2, part: 2, sum: 1 });
      } finally {
        await s.stop({ graceful: false });
      }
    });
  });
}
