/**
 * Workflow graphs (Scheduler.flow, docs/workflows.md) through the public API. Every store runs this file
 * unchanged (flows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { InvalidFlowError } from '../../src/core/errors.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';

export async function describeSchedulerFlows(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: workflow graphs`, () => {
    const h = useHarness(factory);

    it('runs a diamond in order, each node given its dependencies results', async () => {
      const s = await h.scheduler({ concurrency: 4 });
      const order: string[] = [];
      const seen: Record<string, unknown> = {};
      // shouldSaveResult off: a flow node's dependents still get its result.
      s.define('step', async (job, ctx) => {
        const { key } = job.data as { key: string };
        seen[key] = await ctx.results();
        order.push(key);
        return `${key}!`;
      }, { shouldSaveResult: false });
      const jobs = await s.flow([
        { key: 'a', name: 'step', data: { key: 'a' } },
        { key: 'b', name: 'step', data: { key: 'b' }, after: ['a'] },
        { key: 'c', name: 'step', data: { key: 'c' }, after: ['a'], priority: 'high' },
        { key: 'd', name: 'step', data: { key: 'd' }, after: ['b', 'c'] },
      ]);
      expect(Object.keys(jobs)).toEqual(['a', 'b', 'c', 'd']);
      expect(jobs.a!.status).toBe('pending');
      expect(jobs.d!).toMatchObject({ status: 'blocked', waitingFor: 2, dependencies: { b: jobs.b!.id, c: jobs.c!.id } });
      expect((await s.countJobs()).blocked).toBe(3);
      expect((await s.listJobs({ status: 'blocked' })).map((j) => j.id).sort()).toEqual([jobs.b!.id, jobs.c!.id, jobs.d!.id].sort());
      await s.start();
      await waitUntil(async () => (await s.getJob(jobs.d!.id))!.status === 'completed');
      expect(order[0]).toBe('a');
      expect(order[3]).toBe('d');
      expect(seen).toEqual({ a: {}, b: { a: 'a!' }, c: { a: 'a!' }, d: { b: 'b!', c: 'c!' } });
      expect((await s.getJob(jobs.d!.id))!).toMatchObject({ waitingFor: 0, result: null });
    });

    it('never claims a blocked job, whatever its due time', async () => {
      const s = await h.scheduler();
      const ran: string[] = [];
      s.define('gate', async () => {
        await new Promise((r) => setTimeout(r, 10));
      });
      s.define('leaf', async (job) => {
        ran.push(job.id);
      });
      const jobs = await s.flow([
        { key: 'gate', name: 'gate', runAt: 'in 1 hour' },
        { key: 'leaf', name: 'leaf', after: ['gate'] },
      ]);
      const other = await s.now('leaf');
      await s.start();
      await waitUntil(async () => (await s.getJob(other.id))!.status === 'completed');
      expect(ran).toEqual([other.id]);
      expect((await s.getJob(jobs.leaf!.id))!.status).toBe('blocked');
      await s.trigger(jobs.leaf!.id); // a trigger does not run a blocked job without its dependencies
      expect((await s.getJob(jobs.leaf!.id))!.status).toBe('blocked');
      await s.trigger(jobs.gate!.id);
      await waitUntil(async () => (await s.getJob(jobs.leaf!.id))!.status === 'completed');
    });

    it("cancels a failed node's dependents, transitively, naming it; they resume after a requeue", async () => {
      const s = await h.scheduler();
      let broken = true;
      const seen: Record<string, unknown> = {};
      s.define('fetch', async () => {
        if (broken) throw new Error('down');
        return 'fetched';
      }, { attempts: 1 });
      s.define('use', async (job, ctx) => {
        seen[(job.data as { key: string }).key] = await ctx.results();
        return 'used';
      });
      const jobs = await s.flow([
        { key: 'fetch', name: 'fetch' },
        { key: 'parse', name: 'use', data: { key: 'parse' }, after: ['fetch'] },
        { key: 'store', name: 'use', data: { key: 'store' }, after: ['parse'] },
        { key: 'report', name: 'use', data: { key: 'report' }, after: ['fetch'], onDependencyFailure: 'run' },
      ]);
      await s.start();
      await waitUntil(async () => (await s.getJob(jobs.store!.id))!.status === 'cancelled' && (await s.getJob(jobs.report!.id))!.status === 'completed');
      expect((await s.getJob(jobs.fetch!.id))!.status).toBe('failed');
      expect((await s.getJob(jobs.parse!.id))!).toMatchObject({ status: 'cancelled', lastError: 'dependency "fetch" failed' });
      expect((await s.getJob(jobs.store!.id))!).toMatchObject({ status: 'cancelled', lastError: 'dependency "fetch" failed' });
      expect(seen.report).toEqual({ fetch: { error: 'down' } });
      broken = false;
      expect(await s.requeueFailed('fetch')).toBe(1);
      await waitUntil(async () => (await s.getJob(jobs.store!.id))!.status === 'completed');
      expect(seen.store).toEqual({ parse: 'used' });
      expect((await s.getJob(jobs.parse!.id))!.lastError).toBeNull();
    });

    it('cancels the dependents of a cancelled job in the same operation', async () => {
      const s = await h.scheduler();
      const jobs = await s.flow([
        { key: 'a', name: 'a', runAt: 'in 1 hour' },
        { key: 'b', name: 'b', after: ['a'] },
        { key: 'c', name: 'c', after: ['b'] },
      ]);
      await s.cancel(jobs.a!.id);
      const [b, c] = [await s.getJob(jobs.b!.id), await s.getJob(jobs.c!.id)];
      expect(b).toMatchObject({ status: 'cancelled', lastError: 'dependency "a" was cancelled' });
      expect(c).toMatchObject({ status: 'cancelled', lastError: 'dependency "a" was cancelled' });
      await s.trigger(jobs.a!.id);
      expect((await s.getJob(jobs.c!.id))!.status).toBe('blocked');
    });

    it('stores nothing of a bad graph, and names the node at fault', async () => {
      const s = await h.scheduler();
      const bad = [
        [{ key: 'a', name: 'x', after: ['b'] }, { key: 'b', name: 'x', after: ['a'] }],
        [{ key: 'a', name: 'x' }, { key: 'a', name: 'x' }],
        [{ key: 'a', name: 'x' }, { key: 'b', name: 'x', after: ['nope'] }],
      ];
      for (const nodes of bad) {
        const error = await s.flow(nodes).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InvalidFlowError);
        expect((error as InvalidFlowError).code).toBe('INVALID_FLOW');
      }
      expect(((await s.flow(bad[0]!).catch((e: unknown) => e)) as InvalidFlowError).key).toMatch(/^[ab]$/);
      expect(((await s.flow(bad[2]!).catch((e: unknown) => e)) as InvalidFlowError).message).toContain('"nope"');
      // A node that cannot be stored (data JSON cannot hold) fails the whole graph: nothing is stored.
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(s.flow([{ key: 'ok', name: 'x' }, { key: 'bad', name: 'x', data: circular, after: ['ok'] }])).rejects.toBeTruthy();
      expect(await s.listJobs()).toEqual([]);
    });

    it('insertFlow is all or nothing: a malformed graph (a job after one not before it) stores nothing', async () => {
      const s = await h.scheduler();
      const store = await s.getStore();
      const job = (key: string, after: number[]) => ({
        name: 'x', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null,
        dedupeKey: null, label: null, dueAt: 0, nextRunAt: 0, flow: { key }, after,
      });
      await expect(store.insertFlow([job('a', []), job('b', [0]), job('c', [3])], Date.now())).rejects.toBeTruthy();
      expect(await s.listJobs()).toEqual([]);
      expect(Object.values(await s.countJobs()).reduce((a, b) => a + b, 0)).toBe(0);
    });

    it('adds a sub-graph from inside a run with ctx.flow, stored with its outcome', async () => {
      const s = await h.scheduler();
      s.define('plan', async (_job, ctx) => {
        ctx.flow([
          { key: 'x', name: 'part', data: 1 },
          { key: 'y', name: 'part', data: 2 },
          { key: 'sum', name: 'sum', after: ['x', 'y'] },
        ]);
        return 'planned';
      });
      s.define('part', async (job) => (job.data as number) * 10);
      s.define('sum', async (_job, ctx) => Object.values(await ctx.results()).reduce((a, b) => (a as number) + (b as number), 0));
      const plan = await s.now('plan');
      await s.start();
      await waitUntil(async () => (await s.listJobs({ name: 'sum', status: 'completed' })).length === 1);
      expect((await s.listJobs({ name: 'sum' }))[0]!.result).toBe(30);
      expect((await s.getJob(plan.id))!.status).toBe('completed');
    });
  });
}
