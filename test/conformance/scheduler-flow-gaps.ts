/**
 * Workflow robustness through the public API (docs/workflows.md): retention never prunes a dependency a
 * blocked (or cascade-cancelled) node still waits for, so the flow stays resumable. Every store runs this file
 * unchanged (flows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/core/scheduler.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';

/** Until the clock has moved past `ms` after now (retention's cutoffs are strict). */
async function past(ms: number): Promise<void> {
  const until = Date.now() + ms;
  await waitUntil(() => Date.now() > until);
}

const statusOf = async (s: Scheduler, id: string) => (await s.getJob(id))?.status ?? 'pruned';

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
      await waitUntil(async () => (await statusOf(s, jobs.store!.id)) === 'cancelled' && (await statusOf(s, jobs.audit!.id)) === 'cancelled');
      // An operator triggers parse back while fetch is still failed: parse waits for it again (blocked), and
      // so does store, which parse's cascade had cancelled.
      await s.trigger(jobs.parse!.id);
      expect(await statusOf(s, jobs.parse!.id)).toBe('blocked');
      expect(await statusOf(s, jobs.store!.id)).toBe('blocked');
      await past(5);
      // Every finished job is past its cutoff. audit (cancelled by the cascade, no dependents) goes; fetch stays,
      // sweep after sweep, while parse waits for it.
      const retention = { completed: 1, failed: 1, cancelled: 1 };
      expect((await s.prune(retention)).jobs).toBe(1);
      expect((await s.prune(retention)).jobs).toBe(0);
      expect(await statusOf(s, jobs.audit!.id)).toBe('pruned');
      expect(await statusOf(s, jobs.fetch!.id)).toBe('failed');
      // Still resumable: retrying fetch releases parse, then store.
      broken = false;
      expect(await s.requeueFailed('fetch')).toBe(1);
      await waitUntil(async () => (await statusOf(s, jobs.store!.id)) === 'completed');
      expect((await s.getJob(jobs.parse!.id))!.result).toEqual({ fetch: 'fetched' });
      // Nothing waits for fetch any more: it is pruned as usual once it finished long enough ago.
      await past(5);
      await s.prune(retention);
      expect(await statusOf(s, jobs.fetch!.id)).toBe('pruned');
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
      await waitUntil(async () => (await statusOf(s, jobs.parse!.id)) === 'cancelled');
      await s.trigger(jobs.parse!.id); // blocked again, waiting for fetch
      await past(5);
      // Only failed jobs are pruned: fetch is held back by parse (blocked) for as long as parse waits.
      expect((await s.prune({ failed: 1 })).jobs).toBe(0);
      expect(await statusOf(s, jobs.fetch!.id)).toBe('failed');
      // The operator gives up on parse: cancelled by hand, it no longer waits; fetch is pruned as usual.
      await s.cancel(jobs.parse!.id);
      await past(5);
      expect((await s.prune({ failed: 1 })).jobs).toBe(1);
      expect(await statusOf(s, jobs.fetch!.id)).toBe('pruned');
      expect(await statusOf(s, jobs.parse!.id)).toBe('cancelled');
    });
  });
}
