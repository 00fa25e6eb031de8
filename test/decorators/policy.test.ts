/**
 * What the seed's config means when jobs run (real SQLite store, real clock), booting many processes at once,
 * and items as durable jobs (enqueueItems, requeueFailed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as decorators from '../../src/decorators/index.js';
import { Scheduler, silentLogger, type Job } from '../../src/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { loadSource } from './compile.js';
import { availableSoon, memoryScheduler, sleep, waitUntil } from './helpers.js';

type Hooks = { run(ctx: { attempt: number; signal: AbortSignal }): Promise<unknown>; item(item: { id: number }): Promise<void>; items(): unknown };
const build = await loadSource<(d: typeof decorators, hooks: Hooks, config: object) => Record<string, Function>>(
  `export default (d, hooks, config) => {
    @d.cron('policy') class Policy {
      @d.job('flaky', '1h', config) run(ctx) { return hooks.run(ctx); }
    }
    @d.cron('fanout') class Fanout {
      @d.query('fan') items() { return hooks.items(); }
      @d.job('fan', '1h', config) item(item) { return hooks.item(item); }
    }
    return { Policy, Fanout };
  }`,
  'standard',
  'esbuild',
);

async function settled(s: Scheduler, name: string): Promise<Job> {
  let job: Job | undefined;
  await waitUntil(async () => {
    job = (await s.listJobs({ name }))[0];
    return !!job?.lastFinishedAt && job.status === 'pending' && job.attempts === 0;
  }, 15_000, `${name} to finish its cycle`);
  return job!;
}

describe('retries, timeout and maxComputeTime', () => {
  let scheduler: Scheduler | null = null;
  afterEach(async () => {
    await scheduler?.stop({ graceful: false });
    scheduler = null;
  });

  it('retries: 2 means three runs; timeout is the wait before each retry', async () => {
    const starts: number[] = [];
    const { Policy } = build(decorators, {
      run: async ({ attempt }) => {
        starts.push(Date.now());
        if (attempt < 3) throw new Error(`fail ${attempt}`);
        return 'third time';
      },
      item: async () => {},
      items: () => [],
    }, { retries: 2, timeout: '300ms' });
    scheduler = memoryScheduler();
    const registration = await decorators.registerJobs(scheduler, [Policy!]);
    expect(registration.jobs[0]!.job.maxAttempts).toBe(3);
    await scheduler.start();
    await registration.run('flaky');
    const job = await settled(scheduler, 'flaky');
    expect(job.result).toBe('third time');
    expect((await scheduler.history(job.id)).map((h) => [h.attempt, h.status])).toEqual([[1, 'failed'], [2, 'failed'], [3, 'completed']]);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(290);
    expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(290);
  });

  it('retries: 0 runs once; the failure is final for this due time', async () => {
    let runs = 0;
    scheduler = memoryScheduler();
    const { Policy: Failing } = build(decorators, {
      run: async () => {
        runs++;
        throw new Error('no');
      },
      item: async () => {},
      items: () => [],
    }, { retries: 0, timeout: '10ms' });
    const registration = await decorators.registerJobs(scheduler, [Failing!]);
    await scheduler.start();
    await registration.run('flaky');
    const job = await settled(scheduler, 'flaky');
    await sleep(200);
    expect(runs).toBe(1);
    expect(job.lastError).toBe('no');
    expect((await scheduler.history(job.id)).map((h) => h.status)).toEqual(['failed']);
  });

  it('maxComputeTime bounds one run: the signal aborts and the attempt fails with JobTimeoutError', async () => {
    let aborted = false;
    const { Policy } = build(decorators, {
      run: ({ signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
      item: async () => {},
      items: () => [],
    }, { maxComputeTime: '150ms' });
    scheduler = memoryScheduler();
    const registration = await decorators.registerJobs(scheduler, [Policy!]);
    expect(registration.jobs[0]!.job.repeat).toEqual({ every: 3_600_000 });
    await scheduler.start();
    const started = Date.now();
    await registration.run('flaky');
    const job = await settled(scheduler, 'flaky');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(aborted).toBe(true);
    expect(job.lastError).toMatch(/timed out after 150 ms/);
  });

  it('the query run and its items share the policy; concurrency caps items running at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    const { Fanout } = build(decorators, {
      run: async () => {},
      items: () => Array.from({ length: 12 }, (_, i) => ({ id: i })),
      item: async ({ id }) => {
        running++;
        most = Math.max(most, running);
        await sleep(15);
        running--;
        done.push(id);
      },
    }, { retries: 1, concurrency: 2 });
    scheduler = memoryScheduler({ concurrency: 10 });
    const registration = await decorators.registerJobs(scheduler, [Fanout!]);
    await scheduler.start();
    await registration.run('fan');
    // Wait for the stored outcome, not the handler: the last one settles just after it returns.
    await waitUntil(async () => (await scheduler!.countJobs('fan:item')).completed === 12, 10_000, '12 items completed');
    expect(done).toHaveLength(12);
    expect(most).toBe(2);
    const items = await scheduler.listJobs({ name: 'fan:item', limit: 50 });
    expect(items.every((j) => j.maxAttempts === 2 && j.status === 'completed')).toBe(true);
  });

  it('pause stops claiming a job and its items until resume', async () => {
    const done: number[] = [];
    const { Fanout } = build(decorators, { run: async () => {}, items: () => [{ id: 1 }], item: async ({ id }) => void done.push(id) }, {});
    scheduler = memoryScheduler();
    const registration = await decorators.registerJobs(scheduler, [Fanout!]);
    await scheduler.start();
    await registration.pause();
    expect((await scheduler.pausedNames()).sort()).toEqual(['fan', 'fan:item']);
    await registration.run('fan');
    await sleep(300);
    expect(done).toEqual([]);
    await registration.resume('fan');
    await waitUntil(() => done.length === 1, 5_000, 'the item after resume');
  });
});

describe('ten processes booting at once keep one job per name', () => {
  it('sqlite file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-decorators-'));
    const path = join(dir, 'jobs.db');
    const { Policy, Fanout } = build(decorators, { run: async () => {}, item: async () => {}, items: () => [] }, {});
    const schedulers = Array.from({ length: 10 }, () => new Scheduler({ store: new SqliteStore({ path }), logger: silentLogger }));
    try {
      await schedulers[0]!.getStore(); // one migrator first; racing migrations are the store suites' business
      await Promise.all(schedulers.map((s) => decorators.registerJobs(s, [Policy!, Fanout!])));
      const jobs = await schedulers[0]!.listJobs({ limit: 100 });
      expect(jobs.map((j) => j.name).sort()).toEqual(['fan', 'flaky']);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('postgres', async () => {
    const { skip } = await availableSoon(postgresFactory);
    // Retried: test/stores/postgres.test.ts restarts the shared server while other files run.
    it.skipIf(skip)('ten schedulers registering together store two jobs', { retry: 2 }, async () => {
      const created = await postgresFactory.create();
      await created.store.init({ logger: silentLogger });
      const { Policy, Fanout } = build(decorators, { run: async () => {}, item: async () => {}, items: () => [] }, {});
      const { PostgresStore } = await import('../../src/stores/postgres/index.js');
      const schema = new URL(created.url).searchParams.get('schema')!;
      const schedulers = Array.from({ length: 10 }, () => new Scheduler({ store: new PostgresStore({ connectionString: created.url.split('?')[0]!, schema, poolSize: 2 }), logger: silentLogger }));
      try {
        await Promise.all(schedulers.map((s) => decorators.registerJobs(s, [Policy!, Fanout!])));
        const jobs = await schedulers[0]!.listJobs({ limit: 100 });
        expect(jobs.map((j) => j.name).sort()).toEqual(['fan', 'flaky']);
      } finally {
        await Promise.all(schedulers.map((s) => s.stop()));
        await created.store.close();
        await created.cleanup();
      }
    });
  });
});

describe('enqueueItems and requeueFailed (the seed queue as jobs)', () => {
  let scheduler: Scheduler | null = null;
  afterEach(async () => {
    await scheduler?.stop({ graceful: false });
    scheduler = null;
  });

  it('stores each item as a job, as JSON; pending equal items at the same position are not stored twice', async () => {
    scheduler = memoryScheduler();
    const when = new Date('2026-01-02T03:04:05.000Z');
    const first = await decorators.enqueueItems(scheduler, 'mail', [{ to: 'a', when }, { to: 'b' }, { to: 'a', when }]);
    expect(first).toEqual({ batches: 1, items: 3 });
    let jobs = await scheduler.listJobs({ name: 'mail' });
    expect(jobs).toHaveLength(3); // equal content at two positions: two items
    expect(jobs.map((j) => j.data)).toContainEqual({ to: 'a', when: '2026-01-02T03:04:05.000Z' });
    // Again, as a query rerun after a crash would: nothing new while they are pending.
    await decorators.enqueueItems(scheduler, 'mail', [{ to: 'a', when }, { to: 'b' }, { to: 'a', when }]);
    expect(await scheduler.queueSize('mail')).toBe(3);
    // A different item at a position, or the same item elsewhere, is new.
    await decorators.enqueueItems(scheduler, 'mail', [{ to: 'c' }, { to: 'a', when }]);
    expect(await scheduler.queueSize('mail')).toBe(5);
    // Once they ran, the same items are stored again (the next due time's run).
    scheduler.define('mail', async () => {});
    await scheduler.start();
    await waitUntil(async () => (await scheduler!.queueSize('mail')) === 0, 5_000, 'mail to drain');
    await decorators.enqueueItems(scheduler, 'mail', [{ to: 'b' }]);
    jobs = await scheduler.listJobs({ name: 'mail', limit: 50 });
    expect(jobs).toHaveLength(6);
  });

  it('reads an async generator one batch at a time and stops when its signal aborts', async () => {
    scheduler = memoryScheduler();
    const controller = new AbortController();
    let closed = false;
    async function* batches() {
      try {
        yield [1, 2];
        yield [3];
        controller.abort(new Error('stop'));
        yield [4];
        yield [5];
      } finally {
        closed = true;
      }
    }
    const seen: unknown[] = [];
    const error = await decorators
      .enqueueItems(scheduler, 'n', batches(), { signal: controller.signal, chunkSize: 1, onChunk: (p) => void seen.push(p) })
      .then(() => null, (e: Error) => e);
    expect(error?.message).toBe('stop');
    expect(closed).toBe(true);
    expect(seen).toEqual([{ batches: 1, items: 1 }, { batches: 1, items: 2 }, { batches: 2, items: 3 }]);
    expect((await scheduler.listJobs({ name: 'n' })).map((j) => j.data).sort()).toEqual([1, 2, 3]);
  });

  it('rejects a batch that is not an array and an item JSON cannot carry, naming where', async () => {
    scheduler = memoryScheduler();
    async function* bad() {
      yield [1];
      yield 2 as never;
    }
    await expect(decorators.enqueueItems(scheduler, 'n', bad(), { field: 'q' })).rejects.toMatchObject({ field: 'q batch 1', value: 2 });
    await expect(decorators.enqueueItems(scheduler, 'n', [1, undefined])).rejects.toMatchObject({ field: 'items[1]', code: 'INVALID_DATA' });
    await expect(decorators.enqueueItems(scheduler, 'n', [10n])).rejects.toMatchObject({ field: 'items[0]', code: 'INVALID_DATA' });
    await expect(decorators.enqueueItems(scheduler, 'n', 'abc' as never)).rejects.toMatchObject({ field: 'items', value: 'abc' });
  });

  it('requeueFailed runs failed jobs of a name again', async () => {
    scheduler = memoryScheduler();
    let fail = true;
    const ran: number[] = [];
    scheduler.define('q', async (job) => {
      if (fail) throw new Error('down');
      ran.push(job.data as number);
    }, { attempts: 1 });
    await decorators.enqueueItems(scheduler, 'q', [1, 2, 3]);
    await scheduler.start();
    await waitUntil(async () => (await scheduler!.countJobs('q')).failed === 3, 5_000, 'three failures');
    fail = false;
    expect(await decorators.requeueFailed(scheduler, 'q')).toBe(3);
    await waitUntil(() => ran.length === 3, 5_000, 'three reruns');
    expect(await decorators.requeueFailed(scheduler, 'q')).toBe(0);
  });
});
