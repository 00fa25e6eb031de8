/**
 * Retention of a workflow dependency whose dependent was cancelled by hand (docs/workflows.md): such a dependent
 * does not hold the dependency back (rules/flow.ts heldBack), so prune deletes it, and in the same operation the
 * dependent stops counting it (rules/flow.ts pruned), as remove() does. Triggered later, the dependent runs, or
 * waits for its other dependencies only, instead of being blocked for ever on a job that is gone. Every store runs
 * this file unchanged (flows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { statusOf } from '../support/scheduler.js';
import { useHarness } from './scheduler-contract.js';

/** Until the clock has moved past `ms` after now (retention's cutoffs are strict). */
async function past(ms: number): Promise<void> {
  const until = Date.now() + ms;
  await waitUntil(() => Date.now() > until);
}

export async function describeSchedulerFlowPrune(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: retention of a dependency whose dependent was cancelled by hand`, () => {
    const h = useHarness(factory);

    it('the dependency fails for good and is pruned: the dependent no longer counts it, and runs when triggered', async () => {
      const s = await h.scheduler();
      s.define('fetch', async () => {
        throw new Error('down');
      }, { attempts: 1 });
      s.define('use', async (_job, ctx) => ctx.results());
      const jobs = await s.flow([
        { key: 'a', name: 'fetch' },
        { key: 'b', name: 'use', after: ['a'], onDependencyFailure: 'cancel' },
      ]);
      // Cancelled by hand while blocked: no cascade error, so a's failure leaves it as it is.
      await s.cancel(jobs.b!.id);
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.a!.id, 'pruned')) === 'failed', 10_000, 'a to fail for good');
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 1, lastError: null });
      await past(5);
      // Only failed jobs go: a does (nothing waits for it), b stays, and stops counting a.
      expect((await s.prune({ failed: 1 })).jobs).toBe(1);
      expect(await statusOf(s, jobs.a!.id, 'pruned')).toBe('pruned');
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 0 });
      // Triggered, it runs at once (blocked for ever before: it waited for a job that is gone).
      expect((await s.trigger(jobs.b!.id))!.status).toBe('pending');
      await waitUntil(async () => (await statusOf(s, jobs.b!.id, 'pruned')) === 'completed', 10_000, 'b to run');
      // The pruned dependency gives null, as a removed one does (results.ts).
      expect((await s.getJob(jobs.b!.id))!.result).toEqual({ a: null });
    });

    it('beside a dependency still pending: the triggered dependent waits for that one only, and runs once it completes', async () => {
      const s = await h.scheduler();
      s.define('fetch', async () => {
        throw new Error('down');
      }, { attempts: 1 });
      s.define('use', async (_job, ctx) => ctx.results());
      s.define('slow', async () => 'slow done');
      const jobs = await s.flow([
        { key: 'a', name: 'fetch' },
        // Due in an hour: still pending while a fails, is pruned and b is triggered; triggered itself at the end.
        { key: 'c', name: 'slow', delay: '1h' },
        { key: 'b', name: 'use', after: ['a', 'c'] },
      ]);
      await s.cancel(jobs.b!.id);
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.a!.id, 'pruned')) === 'failed', 10_000, 'a to fail for good');
      await past(5);
      expect((await s.prune({ failed: 1 })).jobs).toBe(1);
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 1 });
      expect((await s.trigger(jobs.b!.id))!.status).toBe('blocked');
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'blocked', waitingFor: 1 });
      expect(await statusOf(s, jobs.c!.id, 'pruned')).toBe('pending');
      await s.trigger(jobs.c!.id);
      await waitUntil(async () => (await statusOf(s, jobs.b!.id, 'pruned')) === 'completed', 10_000, 'c then b to run');
      expect((await s.getJob(jobs.b!.id))!.result).toEqual({ a: null, c: 'slow done' });
    });

    it('the dependency and its dependent pruned in one sweep: nothing is left behind', async () => {
      const s = await h.scheduler();
      s.define('fetch', async () => {
        throw new Error('down');
      }, { attempts: 1 });
      s.define('use', async () => 'used');
      const jobs = await s.flow([
        { key: 'a', name: 'fetch' },
        { key: 'b', name: 'use', after: ['a'] },
      ]);
      await s.cancel(jobs.b!.id);
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.a!.id, 'pruned')) === 'failed', 10_000, 'a to fail for good');
      await past(5);
      // Both past their cutoffs, both chosen on the state before the prune: one sweep takes both.
      expect((await s.prune({ failed: 1, cancelled: 1 })).jobs).toBe(2);
      expect(await statusOf(s, jobs.a!.id, 'pruned')).toBe('pruned');
      expect(await statusOf(s, jobs.b!.id, 'pruned')).toBe('pruned');
    });
  });
}
