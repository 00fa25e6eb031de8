/**
 * remove() of a workflow dependency through the public API (docs/workflows.md): its dependents are cancelled
 * (the cascade) and it no longer holds them back (rules/flow.ts removed), so triggering one runs it, or, if it
 * still waits for another dependency, blocks it on that one only. Every store runs this file unchanged
 * (flows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { statusOf } from '../support/scheduler.js';
import { useHarness } from './scheduler-contract.js';

export async function describeSchedulerFlowRemove(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: remove() of a workflow dependency`, () => {
    const h = useHarness(factory);
    it('a pending dependency removed: its dependent is cancelled, waits for nothing, and runs when triggered', async () => {
      const s = await h.scheduler();
      s.define('use', async (_job, ctx) => ctx.results());
      const jobs = await s.flow([
        { key: 'a', name: 'use' },
        { key: 'b', name: 'use', after: ['a'] },
      ]);
      expect(await s.remove(jobs.a!.id)).toBe(true);
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 0, lastError: 'dependency "a" was removed' });
      await s.trigger(jobs.b!.id);
      expect(await statusOf(s, jobs.b!.id, 'removed')).toBe('pending');
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.b!.id, 'removed')) === 'completed', 10_000, 'b to run');
      // The removed dependency gives null (results.ts).
      expect((await s.getJob(jobs.b!.id))!.result).toEqual({ a: null });
    });

    it('a dependency failed for good, then removed: its cascade-cancelled dependent runs when triggered', async () => {
      const s = await h.scheduler();
      s.define('fetch', async () => {
        throw new Error('down');
      }, { attempts: 1 });
      s.define('use', async () => 'used');
      const jobs = await s.flow([
        { key: 'a', name: 'fetch' },
        { key: 'b', name: 'use', after: ['a'] },
        { key: 'c', name: 'use', after: ['b'] },
      ]);
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.c!.id, 'removed')) === 'cancelled', 10_000, 'the cascade');
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 1, lastError: 'dependency "a" failed' });
      expect(await s.remove(jobs.a!.id)).toBe(true);
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 0 });
      // c still waits for b, which is still there: triggering b brings c back (restore) and both run.
      expect(await s.getJob(jobs.c!.id)).toMatchObject({ status: 'cancelled', waitingFor: 1 });
      await s.trigger(jobs.b!.id);
      await waitUntil(async () => (await statusOf(s, jobs.c!.id, 'removed')) === 'completed', 10_000, 'b then c to run');
      expect(await statusOf(s, jobs.b!.id, 'removed')).toBe('completed');
    });

    it('a removed dependency beside one not done: the triggered dependent waits for that one only, and runs once it completes', async () => {
      const s = await h.scheduler();
      s.define('use', async (_job, ctx) => ctx.results());
      s.define('slow', async () => 'slow done');
      const jobs = await s.flow([
        { key: 'a', name: 'use' },
        { key: 'other', name: 'slow' },
        { key: 'b', name: 'use', after: ['a', 'other'] },
      ]);
      expect(await s.remove(jobs.a!.id)).toBe(true);
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'cancelled', waitingFor: 1 });
      await s.trigger(jobs.b!.id);
      expect(await s.getJob(jobs.b!.id)).toMatchObject({ status: 'blocked', waitingFor: 1 });
      await s.start();
      await waitUntil(async () => (await statusOf(s, jobs.b!.id, 'removed')) === 'completed', 10_000, 'other then b to run');
      expect((await s.getJob(jobs.b!.id))!.result).toEqual({ a: null, other: 'slow done' });
    });
  });
}
