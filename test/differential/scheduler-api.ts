/**
 * Differential tests through the public API: the same random sequence of Scheduler calls (now, schedule,
 * every and cron, scheduleBulk, flow, update, cancel, trigger, remove, pause and resume, requeueFailed,
 * sendEvent, lists, counts, history) on a Scheduler over the reference store (MemoryStore) and on one over a
 * real store, with real workers running every due job between calls: handlers that fail a given number of
 * times, a grouped name with groupConcurrency 1, a global rate limit, a durable handler that steps, sleeps
 * and waits for an event, and a planner that adds a sub-graph and a follow-up. Every call's answer, and at the
 * end every job and its history, must be the same as JSON text (key order counts). A second test goes through
 * two schedulers on two handles of the same data (two processes): calls alternate between them, both run jobs.
 *
 * The store-level suite (suite.ts) proves each store applies the rules as the model does, command by command;
 * this one proves what a user sees end to end agrees too (the worker, the settle batcher, the views), as a
 * user comparing stores would. Determinism: the schedulers' clock is frozen and moves only when the sequence
 * says (`run`), and jobs run only in `run`, until nothing due is left (workers stopped between calls, so no
 * call races a run). Ids differ between stores, so jobs are compared by the order in which they were first
 * seen; error stacks and worker ids are left out.
 *
 *   HOURGLASS_API_DIFF_RUNS=300 HOURGLASS_API_DIFF_LENGTH=40 npx vitest run test/differential
 *   HOURGLASS_API_DIFF_DUMP=/tmp/diff.json ...   # the differing step's two answers, whole, as JSON
 * (HOURGLASS_DIFF_SEED and HOURGLASS_DIFF_STORES as for suite.ts.)
 */
import fc from 'fast-check';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { Scheduler, storeFromUrl } from '../../src/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import type { Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';

const RUNS = Number(process.env.HOURGLASS_API_DIFF_RUNS ?? 30);
const LENGTH = Number(process.env.HOURGLASS_API_DIFF_LENGTH ?? 25);
const ONLY = process.env.HOURGLASS_DIFF_STORES?.split(',');
const SEED = process.env.HOURGLASS_DIFF_SEED !== undefined ? Number(process.env.HOURGLASS_DIFF_SEED) : process.env.CI ? 20261203 : undefined;

/**
 * a and b plain, c grouped (one run a group at a time), r rate-limited (2 a second, every process), d durable,
 * p a planner: its run reports progress and adds a sub-graph (ctx.flow) and a follow-up.
 */
const NAMES = ['a', 'b', 'c', 'd', 'r', 'p'] as const;
const RATE = { max: 2, per: 1000 };
const T0 = Date.UTC(2027, 0, 15, 8);

type Op =
  | { k: 'now'; name: string; v: number; fail: number; opts: Record<string, unknown> }
  | { k: 'at'; name: string; v: number; fail: number; delta: number; opts: Record<string, unknown> }
  | { k: 'every'; name: string; ms: number; key: string; opts: { catchUp?: 'all' | 'latest'; jitter?: number } }
  | { k: 'cron'; name: string; expr: string }
  | { k: 'bulk'; specs: { name: string; data: unknown; delay: number; dedupeKey?: string; priority?: number }[] }
  | { k: 'flow'; nodes: readonly Record<string, unknown>[] }
  | { k: 'cancel' | 'trigger' | 'remove' | 'get' | 'history'; i: number }
  | { k: 'update'; i: number; patch: { data?: unknown; priority?: unknown; attempts?: number; runAt?: number; repeat?: string | null } }
  | { k: 'pause' | 'resume'; name: string }
  | { k: 'requeue'; name?: string }
  | { k: 'send'; v: number }
  | { k: 'list'; filter: Record<string, unknown> }
  | { k: 'count'; name?: string }
  | { k: 'spec'; name: string; delay: number; every?: number }
  | { k: 'prune'; retention: Record<string, unknown> }
  | { k: 'sizes' }
  | { k: 'run'; advance: number };

const name = fc.constantFrom(...NAMES);
const data = fc.record({ v: fc.nat(9), fail: fc.nat(2) });
const jobOptions = fc.record(
  {
    priority: fc.constantFrom('low', 'high', 5, -2),
    attempts: fc.integer({ min: 1, max: 3 }),
    backoff: fc.constantFrom({ type: 'fixed', delay: 0 }, { type: 'fixed', delay: 1000 }, { type: 'exponential', delay: 500 }),
    dedupeKey: fc.constantFrom('k1', 'k2'),
    replace: fc.constant(true),
    delay: fc.constantFrom(0, 800, 2000),
    dedupeFor: fc.constantFrom(1500, 4000),
    group: fc.constantFrom('g1', 'g2'),
  },
  { requiredKeys: [] },
);

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('now' as const), name, v: fc.nat(9), fail: fc.nat(3), opts: jobOptions }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('at' as const), name, v: fc.nat(9), fail: fc.nat(3), delta: fc.integer({ min: -2000, max: 5000 }), opts: jobOptions }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('every' as const), name, ms: fc.constantFrom(1000, 3000), key: fc.constantFrom('e1', 'e2'), opts: fc.record({ catchUp: fc.constantFrom('all' as const, 'latest' as const), jitter: fc.constantFrom(0, 400) }, { requiredKeys: [] }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('cron' as const), name, expr: fc.constantFrom('* * * * * *', '*/5 * * * * *', '0 * * * *') }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('bulk' as const),
      specs: fc.array(fc.record({ name, data, delay: fc.constantFrom(0, 1000), dedupeKey: fc.constantFrom('k1', 'k3'), priority: fc.constantFrom(1, 3) }, { requiredKeys: ['name', 'data', 'delay'] }), { maxLength: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('flow' as const),
      nodes: fc.constantFrom(
        [{ key: 'x', name: 'a', data: { v: 1, fail: 0 } }, { key: 'y', name: 'b', data: { v: 2, fail: 0 }, after: ['x'] }],
        [
          { key: 'x', name: 'a', data: { v: 1, fail: 5 }, attempts: 1 },
          { key: 'y', name: 'b', data: { v: 2, fail: 0 }, after: ['x'] },
          { key: 'z', name: 'c', data: { v: 3, fail: 0 }, after: ['x'], onDependencyFailure: 'run' },
        ],
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constantFrom('cancel' as const, 'trigger' as const, 'remove' as const, 'get' as const, 'history' as const), i: fc.nat(30) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('update' as const),
      i: fc.nat(30),
      patch: fc.record({ data, priority: fc.constantFrom(1, 'highest'), attempts: fc.integer({ min: 1, max: 4 }), runAt: fc.constantFrom(0, 1500), repeat: fc.constantFrom(null, '2s', '*/2 * * * * *') }, { requiredKeys: [] }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constantFrom('pause' as const, 'resume' as const), name }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('requeue' as const), name: fc.option(name, { nil: undefined }) }, { requiredKeys: ['k'] }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('send' as const), v: fc.nat(9) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      k: fc.constant('list' as const),
      filter: fc.constantFrom(
        {}, { status: 'pending' }, { status: ['completed', 'failed'] }, { status: 'blocked' }, { name: 'a', limit: 3 },
        { order: { by: 'createdAt', dir: 'asc' }, limit: 4, offset: 1 }, { order: { by: 'priority', dir: 'desc' } },
        { order: { by: 'nextRunAt' } }, { order: { by: 'name' }, limit: 5 }, { order: { by: 'attempts', dir: 'desc' } },
        { order: { by: 'lastRunAt' } }, { order: { by: 'updatedAt', dir: 'desc' }, offset: 2 }, { text: 'fail' },
        { group: 'g1' }, { repeating: true }, { name: 'c', group: 'g2', status: 'pending' },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      k: fc.constant('prune' as const),
      retention: fc.constantFrom({ completed: { count: 1 } }, { completed: { count: 0 }, failed: { count: 2 } }, { failed: '1s' }, { history: '2s' }, { cancelled: { age: '1s', count: 1 } }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('sizes' as const) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('spec' as const), name, delay: fc.constantFrom(0, 1500), every: fc.constantFrom(1000, 4000) }, { requiredKeys: ['k', 'name', 'delay'] }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('count' as const), name: fc.option(name, { nil: undefined }) }, { requiredKeys: ['k'] }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('run' as const), advance: fc.constantFrom(0, 500, 1000, 2500, 6000) }) },
);

// size 'max': lengths spread up to LENGTH (fast-check's default size keeps arrays to about ten).
export const apiSequence = fc.array(op, { minLength: 3, maxLength: LENGTH, size: 'max' });

/**
 * What one sequence did on one store: each call's answer, then every job and its history. `others`: more
 * handles on the same data (another process's), each with a Scheduler of its own whose workers run due jobs
 * beside the first's; the calls take turns between the schedulers, reads at the end go through the first.
 */
export async function trace(store: Store, ops: readonly Op[], others: readonly Store[] = []): Promise<unknown[]> {
  let t = T0;
  const handler = async (job: { data: unknown; attempts: number }) => {
    const d = (job.data ?? {}) as { v?: number; fail?: number };
    if (job.attempts <= (d.fail ?? 0)) throw new Error(`fail ${d.v} at ${job.attempts}`);
    return { v: d.v ?? null, n: job.attempts };
  };
  // When r's runs started (by the frozen clock), in any process: a due r job may wait for the next window.
  const rStarts: number[] = [];
  const schedulers = [store, ...others].map((each, i) => {
    const sched = new Scheduler({ store: each, now: () => t, concurrency: 3, pollInterval: 10, logger: silentLogger });
    sched.define('a', handler);
    sched.define('b', handler);
    sched.define('c', handler, { groupConcurrency: 1 });
    sched.define('r', (job) => (rStarts.push(t), handler(job)), { rateLimit: { ...RATE, scope: 'global' } });
    sched.define('d', async (job, ctx) => {
      const d = (job.data ?? {}) as { v?: number; fail?: number };
      const first = await ctx.step('first', async () => ({ got: d.v ?? null }));
      await ctx.sleep(2000);
      const event = await ctx.waitForEvent('ev', { match: { v: d.v ?? 0 }, timeout: 3000 });
      if (job.attempts <= (d.fail ?? 0)) throw new Error(`fail ${d.v} at ${job.attempts}`);
      return { first, event };
    });
    // Only the first process runs p, one run at a time: the follow-ups of runs ending together are inserted
    // together (insert-batcher.ts), so two p runs at once would give their jobs ids in an order decided by timing.
    if (i > 0) return sched;
    sched.define('p', async (job, ctx) => {
      const d = (job.data ?? {}) as { v?: number; fail?: number };
      await ctx.progress({ at: 'planning', v: d.v ?? null });
      ctx.flow([{ key: 'x', name: 'a', data: { v: d.v ?? 0, fail: 0 } }, { key: 'y', name: 'c', data: { v: 1, fail: 0 }, group: 'g1', after: ['x'] }]);
      ctx.followUp('b', { v: 9, fail: 0 }, { delay: 1000 });
      if (job.attempts <= (d.fail ?? 0)) throw new Error(`fail ${d.v} at ${job.attempts}`);
      return { planned: d.v ?? null };
    }, { concurrency: 1 });
    return sched;
  });
  const s = schedulers[0]!;

  // Ids differ between stores: a job is its rank in the order first seen.
  const seen = new Map<string, number>();
  const ids: string[] = [];
  const ref = (id: string) => {
    if (!seen.has(id)) seen.set(id, ids.push(id) - 1);
    return seen.get(id);
  };
  const view = (job: unknown): unknown => {
    if (!job || typeof job !== 'object' || 'error' in job) return job;
    const { id, createdAt, updatedAt, lockedBy, lastErrorStack, dependencies, ...rest } = job as Record<string, unknown> & { id: string; dependencies: Record<string, string> | null };
    const own = ref(id);
    // A follow-up's or a sub-graph node's once key names the job whose run made it.
    if (typeof rest.dedupeKey === 'string') rest.dedupeKey = rest.dedupeKey.replace(/^(then|flow):(\d+):/, (_m, kind: string, made: string) => `${kind}:#${ref(made)}:`);
    return { ref: own, ...rest, dependencies: dependencies && Object.fromEntries(Object.entries(dependencies).map(([k, v]) => [k, ref(v)])) };
  };
  const records = (rows: unknown) =>
    Array.isArray(rows) ? rows.map(({ id, jobId, workerId, stack, ...rest }) => rest) : rows;
  const answer = async (call: () => Promise<unknown>) => {
    try {
      return await call();
    } catch (error) {
      const e = error as { code?: string; name: string; message: string };
      // Ids differ between stores: a message names a job by its rank too.
      return { error: e.code ?? e.name, message: e.message.replace(/\bjob (\d+)/g, (_m, id: string) => `job #${ref(id)}`) };
    }
  };
  const pick = (i: number) => (ids.length ? ids[i % ids.length]! : 'none');
  const runDue = async () => {
    await Promise.all(schedulers.map((each) => each.startWorkers()));
    const paused = new Set(await s.pausedNames());
    // Quiet once nothing runs and nothing due may start: one read of both statuses, so that a job moving
    // from one to the other between two reads cannot hide.
    await waitUntil(async () => {
      const live = await s.listJobs({ status: ['pending', 'running'], limit: 1000 });
      const rateFull = rStarts.filter((at) => at > t - RATE.per).length >= RATE.max;
      return !live.some((j) => j.status === 'running' || (j.nextRunAt !== null && j.nextRunAt.getTime() <= t && !paused.has(j.name) && !(j.name === 'r' && rateFull)));
    }, 20_000, 'the due jobs to run');
    await Promise.all(schedulers.map((each) => each.stopWorkers({ graceful: true, timeoutMs: 10_000 })));
  };

  const out: unknown[] = [];
  for (const each of schedulers) await each.getStore();
  for (const [i, o] of ops.entries()) {
    // With two processes, every other call goes through the second: what one process wrote, the other reads.
    const api = schedulers[i % schedulers.length]!;
    let r: unknown;
    switch (o.k) {
      case 'now': r = view(await answer(() => api.now(o.name, { v: o.v, fail: o.fail }, o.opts))); break;
      case 'at': r = view(await answer(() => api.schedule(t + o.delta, o.name, { v: o.v, fail: o.fail }, o.opts))); break;
      case 'every': r = view(await answer(() => api.every(o.ms, o.name, { v: 0, fail: 0 }, { key: o.key, ...o.opts }))); break;
      case 'cron': r = view(await answer(() => api.every(o.expr, o.name, { v: 1, fail: 0 }, { key: `cron-${o.name}` }))); break;
      case 'bulk': {
        const jobs = await answer(() => api.scheduleBulk(o.specs.map(({ delay, ...spec }) => ({ ...spec, runAt: t + delay }))));
        r = Array.isArray(jobs) ? jobs.map(view) : jobs;
        break;
      }
      case 'flow': {
        const jobs = await answer(() => api.flow(o.nodes as never));
        r = jobs && typeof jobs === 'object' && !('error' in jobs) ? Object.fromEntries(Object.entries(jobs).map(([k, j]) => [k, view(j)])) : jobs;
        break;
      }
      case 'cancel': r = view(await answer(() => api.cancel(pick(o.i)))); break;
      case 'trigger': r = view(await answer(() => api.trigger(pick(o.i)))); break;
      case 'remove': r = await answer(() => api.remove(pick(o.i))); break;
      case 'get': r = view(await answer(() => api.getJob(pick(o.i)))); break;
      case 'history': r = records(await answer(() => api.history(pick(o.i)))); break;
      case 'update': {
        const patch = o.patch.runAt === undefined ? o.patch : { ...o.patch, runAt: t + o.patch.runAt };
        r = view(await answer(() => api.update(pick(o.i), patch as never)));
        break;
      }
      case 'pause': r = await answer(() => api.pause(o.name)); break;
      case 'resume': r = await answer(() => api.resume(o.name)); break;
      case 'requeue': r = await answer(() => api.requeueFailed(o.name)); break;
      case 'send': r = await answer(() => api.sendEvent('ev', { v: o.v })); break;
      case 'list': {
        const jobs = await answer(() => api.listJobs(o.filter));
        r = Array.isArray(jobs) ? jobs.map(view) : jobs;
        break;
      }
      case 'count': r = await answer(() => api.countJobs(o.name)); break;
      case 'spec':
        // The object form, with a delay and maybe a repeat.
        r = view(await answer(() => api.schedule({ name: o.name, data: { v: 5, fail: 0 }, delay: o.delay, ...(o.every ? { repeat: { every: o.every } } : {}) })));
        break;
      case 'prune': r = await answer(() => api.prune(o.retention as never)); break;
      case 'sizes': r = await answer(async () => [await api.queueSize(), await api.countJobsByName([...NAMES]), (await api.groups('c')).groups, await api.groups('r')]); break;
      case 'run':
        t += o.advance;
        await runDue();
        r = 'ran';
        break;
    }
    out.push([o.k, r]);
  }
  t += 60_000;
  await runDue();
  const jobs = (await s.listJobs({ limit: 10_000, order: { by: 'createdAt', dir: 'asc' } })).map(view);
  const histories = [];
  for (const id of [...ids]) histories.push(records(await answer(() => s.history(id))));
  out.push(['end', jobs, histories, await s.countJobs()]);
  for (const each of schedulers.reverse()) await each.close({ graceful: true, timeoutMs: 10_000 });
  return out;
}

export async function describeSchedulerDifferential(factory: StoreFactory): Promise<void> {
  const { skip } = ONLY && !ONLY.includes(factory.kind) ? { skip: true } : await availability(factory);
  describe.skipIf(skip)(`differential through the Scheduler: ${factory.kind} against the model`, () => {
    it(`${RUNS} random sequences of API calls, with workers running the due jobs, answer as on the model`, async () => {
      await compare(factory, 1, RUNS);
    }, 600_000);
    // Two processes: calls alternate between them, and their workers share the due jobs (which runs which differs
    // from run to run and store to store; what each job went through must not).
    it.skipIf(factory.shared === false)(`${Math.ceil(RUNS / 2)} sequences through two processes: calls alternate between them, both run due jobs`, async () => {
      await compare(factory, 2, Math.ceil(RUNS / 2));
    }, 600_000);
  });
}

async function compare(factory: StoreFactory, processes: number, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(apiSequence, async (ops) => {
      const model = new MemoryStore();
      const expected = await trace(model, ops, processes > 1 ? [model] : []);
      const created = await factory.create();
      let actual: unknown[];
      try {
        const others = [];
        for (let i = 1; i < processes; i++) others.push(await (created.open?.() ?? storeFromUrl(created.url)));
        actual = await trace(created.store, ops, others);
      } finally {
        await created.cleanup();
      }
      for (let i = 0; i < expected.length; i++) {
        // As JSON text: key order counts (data and result come back as given; every other object in the
        // order the core writes it, on every store).
        if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) {
          if (process.env.HOURGLASS_API_DIFF_DUMP) writeFileSync(process.env.HOURGLASS_API_DIFF_DUMP, JSON.stringify({ ops, expected: expected[i], actual: actual[i] }, null, 1));
          throw new Error(`${factory.kind} answers otherwise than the model at step ${i} (${JSON.stringify(ops[i] ?? 'the end')}):\n  model: ${JSON.stringify(expected[i])}\n  ${factory.kind}: ${JSON.stringify(actual[i])}`);
        }
      }
    }),
    { numRuns: runs, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: false },
  );
}
