/**
 * The Scheduler's behaviour through its public API, on a real store. Every store runs this file unchanged.
 * Durability (stop, crash, fencing, racing processes) lives in scheduler-durability.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import type { Store } from '../../src/core/store.js';
import type { Job } from '../../src/core/types.js';
import { silentLogger } from '../../src/core/logger.js';
import { availability, type CreatedStore, type StoreFactory } from './factory.js';
import { sleep, waitUntil } from './helpers.js';
import { recordingLogger } from '../support/logger.js';
import { nextEvent } from '../support/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';

export interface SchedulerHarness {
  created: CreatedStore;
  /** A scheduler on the test's store (the first one owns the factory's store; later ones open the URL). */
  scheduler(options?: Omit<SchedulerOptions, 'store'>): Promise<Scheduler>;
  /** Another connection to the same data. */
  otherStore(): Promise<Store>;
}

export function useHarness(factory: StoreFactory): SchedulerHarness {
  const harness = {} as SchedulerHarness;
  const schedulers: Scheduler[] = [];
  const stores: Store[] = [];
  beforeEach(async () => {
    harness.created = await factory.create();
    let first = true;
    harness.scheduler = async (options = {}) => {
      const created = harness.created;
      const store = first ? created.store : created.open ? await created.open() : await storeFromUrl(created.url);
      first = false;
      const s = new Scheduler({ pollInterval: 50, logger: silentLogger, ...options, store });
      schedulers.push(s);
      return s;
    };
    harness.otherStore = async () => {
      const created = harness.created;
      const s = created.open ? await created.open() : await storeFromUrl(created.url);
      await s.init({ logger: silentLogger });
      if (s !== created.store) stores.push(s);
      return s;
    };
  });
  afterEach(async () => {
    await Promise.all(schedulers.splice(0).map((s) => s.stop({ graceful: false }).catch(() => undefined)));
    await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
    await harness.created.cleanup();
  });
  return harness;
}

export async function describeSchedulerContract(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);
  const shared = factory.shared !== false;

  describe.skipIf(skip)(`${factory.kind} scheduler`, () => {
    const h = useHarness(factory);

    describe('running jobs', () => {
      it('runs a job now with the full handler context, stores its result and one history record', async () => {
        const logger = recordingLogger();
        const s = await h.scheduler({ logger, context: { db: 'the-db' } });
        const events: string[] = [];
        for (const e of ['job:created', 'job:start', 'job:success', 'job:complete'] as const) s.on(e, (j: Job) => events.push(`${e}:${j.id}`));
        let seen: Record<string, unknown> = {};
        s.define('send email', async (job, ctx) => {
          seen = { ...ctx, job: job.id };
          ctx.logger.info('sending');
          return { sent: (job.data as { to: string }).to };
        });
        await s.start();
        const job = await s.now('send email', { to: 'user@example.com' });
        const done = await nextEvent(s, 'job:complete');
        expect(done).toMatchObject({ id: job.id, status: 'completed', result: { sent: 'user@example.com' }, attempts: 1 });
        expect(seen).toMatchObject({ job: job.id, jobId: job.id, jobName: 'send email', attempt: 1, data: { to: 'user@example.com' }, db: 'the-db', scheduler: s });
        expect(seen.signal).toBeInstanceOf(AbortSignal);
        expect(typeof seen.progress).toBe('function');
        expect(events).toEqual([`job:created:${job.id}`, `job:start:${job.id}`, `job:success:${job.id}`, `job:complete:${job.id}`]);
        const line = logger.records.find((r) => r.msg === 'sending');
        expect(line?.fields).toMatchObject({ jobId: job.id, jobName: 'send email' });
        const stored = await s.getJob(job.id);
        expect(stored).toMatchObject({ status: 'completed', result: { sent: 'user@example.com' }, lastError: null, nextRunAt: null });
        expect(stored!.lastRunAt).toBeInstanceOf(Date);
        expect(stored!.lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(stored!.lastRunAt!.getTime());
        const history = await s.history(job.id);
        expect(history).toHaveLength(1);
        expect(history[0]).toMatchObject({ jobId: job.id, status: 'completed', attempt: 1, error: null, result: { sent: 'user@example.com' }, workerId: s.workerId });
        expect(history[0]!.duration).toBe(history[0]!.completedAt.getTime() - history[0]!.startedAt.getTime());
      });

      it('runs names without a definition through the handler option; does not save results when told not to', async () => {
        const s = await h.scheduler({ handler: async (job) => `generic ${job.name}` });
        s.define('quiet', async () => 'secret', { shouldSaveResult: false });
        await s.start();
        const a = await s.now('anything-at-all');
        const b = await s.now('quiet');
        await waitUntil(async () => (await s.countJobs()).completed === 2);
        expect((await s.getJob(a.id))!.result).toBe('generic anything-at-all');
        expect((await s.getJob(b.id))!.result).toBeNull();
        expect((await s.history(b.id))[0]!.result).toBeNull();
      });

      it('leaves jobs it has no handler for to processes that have one', async () => {
        const s = await h.scheduler();
        s.define('known', async () => 'ok');
        await s.start();
        const unknown = await s.now('unknown');
        const known = await s.now('known');
        await waitUntil(async () => (await s.getJob(known.id))!.status === 'completed');
        await sleep(100);
        expect((await s.getJob(unknown.id))!.status).toBe('pending');
      });

      it('persists progress and lets a job spawn jobs through ctx.scheduler', async () => {
        const s = await h.scheduler();
        s.define('parent', async (_job, ctx) => {
          await ctx.progress({ step: 1 });
          await ctx.progress(50);
          await ctx.scheduler.now('child', { from: ctx.jobId });
        });
        s.define('child', async (job) => job.data);
        await s.start();
        const parent = await s.now('parent');
        const child = await nextEvent(s, 'job:success', (j) => j.name === 'child');
        expect(child.data).toEqual({ from: parent.id });
        expect((await s.getJob(parent.id))!.progress).toBe(50);
      });

      it('runs higher priority first, then earlier due time', async () => {
        const s = await h.scheduler({ concurrency: 1 });
        const order: string[] = [];
        s.define('p', async (job) => {
          order.push(job.data as string);
        });
        const past = Date.now() - 10_000;
        await s.schedule({ name: 'p', data: 'low', priority: 'low', runAt: past });
        await s.schedule({ name: 'p', data: 'normal-2', runAt: past + 2 });
        await s.schedule({ name: 'p', data: 'normal-1', runAt: past + 1 });
        await s.schedule({ name: 'p', data: 'highest', priority: 'highest', runAt: past + 3 });
        await s.schedule({ name: 'p', data: 'numeric-15', priority: 15, runAt: past + 3 });
        await s.schedule({ name: 'p', data: 'high', priority: 'high', runAt: past + 3 });
        await s.schedule({ name: 'p', data: 'lowest', priority: 'lowest', runAt: past });
        await s.start();
        await waitUntil(() => order.length === 7);
        expect(order).toEqual(['highest', 'numeric-15', 'high', 'normal-1', 'normal-2', 'low', 'lowest']);
      });

      it('never runs more than the scheduler concurrency, the lockLimit, or a definition lockLimit', async () => {
        const s = await h.scheduler({ concurrency: 3 });
        let running = 0;
        let peak = 0;
        let perNamePeak = 0;
        let perName = 0;
        const body = (limited: boolean) => async () => {
          running++;
          if (limited) perName++;
          peak = Math.max(peak, running);
          perNamePeak = Math.max(perNamePeak, perName);
          await sleep(30);
          running--;
          if (limited) perName--;
        };
        s.define('a', body(false));
        s.define('b', body(true), { lockLimit: 1 });
        await s.scheduleBulk([...Array.from({ length: 9 }, () => ({ name: 'a' })), ...Array.from({ length: 4 }, () => ({ name: 'b' }))]);
        await s.start();
        await waitUntil(async () => (await s.countJobs()).completed === 13);
        expect(peak).toBe(3);
        expect(perNamePeak).toBe(1);

        const t = await h.scheduler({ concurrency: 10, lockLimit: 2 });
        let tRunning = 0;
        let tPeak = 0;
        t.define('c', async () => {
          tRunning++;
          tPeak = Math.max(tPeak, tRunning);
          await sleep(20);
          tRunning--;
        });
        await t.scheduleBulk(Array.from({ length: 8 }, () => ({ name: 'c' })));
        await t.start();
        await waitUntil(async () => (await t.countJobs('c')).completed === 8);
        expect(tPeak).toBe(2);
      });

      it.skipIf(!shared)('caps a definition concurrency across all schedulers sharing the store', async () => {
        let running = 0;
        let peak = 0;
        const schedulers = await Promise.all([1, 2, 3].map(() => h.scheduler({ concurrency: 5 })));
        for (const s of schedulers) {
          s.define('capped', async () => {
            running++;
            peak = Math.max(peak, running);
            await sleep(40);
            running--;
          }, { concurrency: 2 });
        }
        await schedulers[0]!.scheduleBulk(Array.from({ length: 12 }, () => ({ name: 'capped' })));
        await Promise.all(schedulers.map((s) => s.start()));
        await waitUntil(async () => (await schedulers[0]!.countJobs('capped')).completed === 12, 15_000);
        expect(peak).toBe(2);
      });
    });

    describe('retries, timeouts, cancel, trigger', () => {
      it('retries with fixed backoff, counting the first run, then succeeds', async () => {
        const s = await h.scheduler();
        let calls = 0;
        s.define('flaky', async () => {
          calls++;
          if (calls < 3) throw new Error(`boom ${calls}`);
          return 'finally';
        }, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
        const retries: Job[] = [];
        const fails: { job: Job; error: Error }[] = [];
        s.on('job:retry', (j) => retries.push(j));
        s.on('job:fail', (p) => fails.push(p));
        await s.start();
        const job = await s.now('flaky');
        const done = await nextEvent(s, 'job:success');
        expect(done).toMatchObject({ id: job.id, attempts: 3, status: 'completed', result: 'finally', lastError: null });
        expect(retries.map((r) => r.attempts)).toEqual([1, 2]);
        expect(retries[0]!.lastError).toBe('boom 1');
        expect(retries[0]!.nextRunAt!.getTime() - retries[0]!.lastFinishedAt!.getTime()).toBe(100);
        expect(fails.map((f) => f.error.message)).toEqual(['boom 1', 'boom 2']);
        const history = await s.history(job.id);
        expect(history.map((r) => [r.attempt, r.status, r.error])).toEqual([
          [1, 'failed', 'boom 1'],
          [2, 'failed', 'boom 2'],
          [3, 'completed', null],
        ]);
        expect(history[1]!.startedAt.getTime() - history[0]!.completedAt.getTime()).toBeGreaterThanOrEqual(100);
      });

      it('backs off exponentially up to maxDelay and ends failed with lastError', async () => {
        const s = await h.scheduler();
        s.define('doomed', async () => {
          throw new Error('always');
        });
        const retries: Job[] = [];
        s.on('job:retry', (j) => retries.push(j));
        await s.start();
        const job = await s.now('doomed', null, { attempts: 4, backoff: { type: 'exponential', delay: 40, maxDelay: 100 } });
        const complete = await nextEvent(s, 'job:complete');
        expect(complete).toMatchObject({ id: job.id, status: 'failed', attempts: 4, lastError: 'always', nextRunAt: null });
        expect(retries.map((r) => r.nextRunAt!.getTime() - r.lastFinishedAt!.getTime())).toEqual([40, 80, 100]);
        expect(await s.getJob(job.id)).toMatchObject({ status: 'failed', lastError: 'always', maxAttempts: 4 });
      });

      it('fails a run that exceeds its timeout, aborting its signal', async () => {
        const s = await h.scheduler();
        let aborted: unknown = null;
        s.define('slow', (_job, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              aborted = ctx.signal.reason;
              resolve('too late');
            });
          }),
        { timeout: 100 });
        await s.start();
        const job = await s.now('slow');
        const { error } = await nextEvent(s, 'job:fail');
        expect(error.message).toMatch(/timed out after 100 ms/);
        expect((error as { code?: string }).code).toBe('JOB_TIMEOUT');
        expect((aborted as Error).message).toMatch(/timed out/);
        await waitUntil(async () => (await s.getJob(job.id))!.status === 'failed');
        expect((await s.getJob(job.id))!.lastError).toMatch(/timed out after 100 ms/);
      });

      it('a handler that first reads ctx.signal after its timeout finds it already aborted', async () => {
        const s = await h.scheduler();
        const seen: { aborted: boolean; reason: unknown }[] = [];
        s.define(
          'late-reader',
          async (_job, ctx) => {
            await new Promise((r) => setTimeout(r, 200));
            seen.push({ aborted: ctx.signal.aborted, reason: ctx.signal.reason });
          },
          { timeout: 50 },
        );
        await s.start();
        await s.now('late-reader');
        await nextEvent(s, 'job:fail');
        await waitUntil(async () => seen.length === 1);
        expect(seen[0]!.aborted).toBe(true);
        expect((seen[0]!.reason as { code?: string }).code).toBe('JOB_TIMEOUT');
      });

      it('cancels a pending job so it never runs, and a running one by aborting its signal', async () => {
        const s = await h.scheduler();
        const started: string[] = [];
        s.define('c', (job, ctx) => {
          started.push(job.id);
          return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
        });
        const cancelEvents: string[] = [];
        s.on('job:cancel', (j) => cancelEvents.push(j.id));
        await s.start();
        const later = await s.schedule(Date.now() + 300, 'c');
        const cancelledPending = await s.cancel(later.id);
        expect(cancelledPending).toMatchObject({ status: 'cancelled' });
        const running = await s.now('c');
        await waitUntil(() => started.includes(running.id));
        expect((await s.cancel(running.id))!.id).toBe(running.id);
        await waitUntil(async () => (await s.history(running.id)).length === 1);
        expect((await s.getJob(running.id))!.status).toBe('cancelled');
        expect((await s.history(running.id))[0]!.status).toBe('cancelled');
        await sleep(400);
        expect(started).not.toContain(later.id);
        expect(cancelEvents).toEqual([later.id, running.id]);
        expect(await s.cancel('424242')).toBeNull();
      });

      it.skipIf(!shared)('cancels a job running in another process through its heartbeat', async () => {
        // Heartbeats (and their store-call timeout) every lockLifetime / 3: 500 ms, so a CI machine's stall of a few
        // hundred ms does not lose the lease (LEASE_LOST) before the heartbeat that reports the cancel.
        const runner = await h.scheduler({ lockLifetime: 1500 });
        const other = await h.scheduler();
        let reason: unknown = null;
        runner.define('long', (_job, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve((reason = ctx.signal.reason)))));
        await runner.start();
        const job = await other.now('long');
        await waitUntil(async () => (await other.getJob(job.id))!.status === 'running');
        await other.cancel(job.id);
        await waitUntil(() => reason !== null, 5000, 'abort through heartbeat');
        expect((reason as { code: string }).code).toBe('JOB_CANCELLED');
        await waitUntil(async () => (await other.history(job.id)).length === 1);
        expect((await other.getJob(job.id))!.status).toBe('cancelled');
      });

      it('triggers a job scheduled for later so it runs now, and runs a finished one again', async () => {
        const s = await h.scheduler();
        let runs = 0;
        s.define('t', async () => ++runs);
        await s.start();
        const job = await s.schedule('tomorrow at 9am', 't');
        await sleep(100);
        expect(runs).toBe(0);
        await s.trigger(job.id);
        await waitUntil(() => runs === 1);
        await waitUntil(async () => (await s.getJob(job.id))!.status === 'completed');
        await s.trigger(job.id);
        await waitUntil(() => runs === 2);
        expect(await s.trigger('999999')).toBeNull();
      });

      it('returns the live job for a dedupe key instead of adding another', async () => {
        const s = await h.scheduler();
        const a = await s.schedule({ name: 'email', data: { userId: 123 }, dedupeKey: 'email:user:123', delay: '1h' });
        const b = await s.schedule({ name: 'email', data: { userId: 123 }, dedupeKey: 'email:user:123' });
        expect(b.id).toBe(a.id);
        expect(await s.queueSize('email')).toBe(1);
      });

      it('stops claiming a paused name in every process until it is resumed', async () => {
        const runner = await h.scheduler();
        const admin = shared ? await h.scheduler() : runner;
        let runs = 0;
        runner.define('p', async () => void runs++);
        await admin.pause('p');
        expect(await admin.pausedNames()).toEqual(['p']);
        await runner.start();
        await admin.now('p');
        await sleep(250);
        expect(runs).toBe(0);
        await admin.resume('p');
        await waitUntil(() => runs === 1);
      });
    });

    describe('repeating jobs', () => {
      it('keeps one job per name for every(), updating it when called again', async () => {
        const s = await h.scheduler();
        const a = await s.every('5 minutes', 'job name', { v: 1 });
        const b = await s.every('5 minutes', 'job name', { v: 2 });
        expect(b.id).toBe(a.id);
        expect(b.data).toEqual({ v: 2 });
        expect(b.nextRunAt!.getTime()).toBe(a.nextRunAt!.getTime());
        const c = await s.every('0 9 * * *', 'daily report');
        const d = await s.every('*/30 * * * *', 'sync data');
        const e = await s.every('10m', 'job name', null, { key: 'second-copy' });
        expect(new Set([a.id, c.id, d.id, e.id]).size).toBe(4);
        expect(c.repeat).toEqual({ cron: '0 9 * * *', timezone: 'UTC' });
        expect(e.repeat).toEqual({ every: 600_000 });
        const changed = await s.every('10 minutes', 'job name');
        expect(changed.id).toBe(a.id);
        expect(changed.repeat).toEqual({ every: 600_000 });
        expect(await s.queueSize()).toBe(4);
      });

      it.skipIf(!shared)('keeps one repeating job when ten schedulers boot at once', async () => {
        const schedulers = await Promise.all(Array.from({ length: 10 }, () => h.scheduler()));
        const jobs = await Promise.all(schedulers.map((s) => s.every('0 * * * *', 'hourly sync', { from: 'boot' })));
        expect(new Set(jobs.map((j) => j.id)).size).toBe(1);
        expect(await schedulers[0]!.queueSize('hourly sync')).toBe(1);
      });

      it('returns to pending with the next due time after each run, without drift', async () => {
        const s = await h.scheduler();
        const starts: number[] = [];
        s.define('tick', async () => {
          starts.push(Date.now());
          await sleep(60); // longer runs must not push later due times
        });
        await s.start();
        const job = await s.every(150, 'tick');
        const first = job.nextRunAt!.getTime();
        await waitUntil(() => starts.length >= 4, 5000);
        // One read, taken while the job waits between runs (it runs again every 150 ms, so a second read could
        // find it running).
        let after = await s.getJob(job.id);
        await waitUntil(async () => (after = await s.getJob(job.id))!.status === 'pending');
        expect(after!.status).toBe('pending');
        expect((after!.nextRunAt!.getTime() - first) % 150).toBe(0);
        expect(after!.attempts).toBe(0);
        const history = await s.history(job.id);
        expect(history.every((r) => r.status === 'completed')).toBe(true);
      });

      it('starts a new cycle after the last failure of a repeating job', async () => {
        const s = await h.scheduler();
        s.define('fragile', async () => {
          throw new Error('nope');
        }, { attempts: 2, backoff: { type: 'fixed', delay: 20 } });
        await s.start();
        const job = await s.every('200ms', 'fragile');
        await waitUntil(async () => (await s.history(job.id)).length >= 2);
        // The read that saw the new cycle is the one checked: the next occurrence is 200 ms away, and on a loaded
        // machine a second read could already find it running (seen once in a full run).
        let after = await s.getJob(job.id);
        await waitUntil(async () => (after = await s.getJob(job.id))!.attempts === 0);
        expect(after).toMatchObject({ status: 'pending', lastError: 'nope' });
        expect(after!.nextRunAt!.getTime()).toBeGreaterThanOrEqual(job.nextRunAt!.getTime() + 200);
      });

      it('runs a missed occurrence once, not once per missed time, unless catchUp is all', async () => {
        const s = await h.scheduler();
        const runs: Record<string, number> = {};
        s.define('missed', async (job) => {
          runs[job.data as string] = (runs[job.data as string] ?? 0) + 1;
        });
        const hourAgo = Date.now() - 3_600_000;
        const once = await s.every('1 minute', 'missed', 'once', { key: 'once', startAt: hourAgo });
        const all = await s.every('10 minutes', 'missed', 'all', { key: 'all', startAt: hourAgo + 30_000, catchUp: 'all' });
        await s.start();
        await waitUntil(() => (runs.all ?? 0) >= 6, 10_000, 'catch-up runs');
        await sleep(200);
        expect(runs.once).toBe(1);
        expect(runs.all).toBe(6); // hourAgo+30s, +10m, ... +50m: six occurrences before now
        const onceAfter = await s.getJob(once.id);
        expect(onceAfter!.nextRunAt!.getTime()).toBeGreaterThan(Date.now());
        expect((onceAfter!.nextRunAt!.getTime() - hourAgo) % 60_000).toBe(0);
        const allAfter = await s.getJob(all.id);
        expect(allAfter!.nextRunAt!.getTime()).toBe(hourAgo + 30_000 + 6 * 600_000);
      });

      it.skipIf(!shared)('runs each due time of a repeating job once across processes', async () => {
        const schedulers = await Promise.all([1, 2, 3].map(() => h.scheduler()));
        const dueTimes: number[] = [];
        // A repeating job's nextRunAt, as its handler sees it, is the due time being run.
        for (const s of schedulers) s.define('shared tick', async (j) => void dueTimes.push(j.nextRunAt!.getTime()));
        const job = await schedulers[0]!.every('250ms', 'shared tick');
        await Promise.all(schedulers.map((s) => s.start()));
        await sleep(1400);
        await Promise.all(schedulers.map((s) => s.stopWorkers()));
        const history = await schedulers[0]!.history(job.id);
        // One run per occurrence: three schedulers, yet no due time ran twice, and all sit on the 250 ms grid.
        expect(dueTimes.length).toBe(history.length);
        expect(dueTimes.length).toBeGreaterThanOrEqual(3);
        expect(new Set(dueTimes).size).toBe(dueTimes.length);
        for (const due of dueTimes) expect((due - job.nextRunAt!.getTime()) % 250).toBe(0);
      });
    });

    describe('scheduling forms and reading', () => {
      it('accepts every form of when, in the scheduler time zone', async () => {
        const now = Date.parse('2026-03-07T20:00:00Z'); // a Saturday, 15:00 in New York (EST)
        const s = await h.scheduler({ now: () => now, timezone: 'America/New_York' });
        const at = async (when: Date | number | string) => (await s.schedule(when, 'w')).nextRunAt!.toISOString();
        expect(await at(new Date('2026-04-01T10:00:00Z'))).toBe('2026-04-01T10:00:00.000Z');
        expect(await at(Date.parse('2026-04-01T10:00:00Z'))).toBe('2026-04-01T10:00:00.000Z');
        expect(await at('2026-04-01T10:00:00+02:00')).toBe('2026-04-01T08:00:00.000Z');
        expect(await at('in 20 minutes')).toBe('2026-03-07T20:20:00.000Z');
        expect(await at('at 5:00pm')).toBe('2026-03-07T22:00:00.000Z');
        expect(await at('at 9am')).toBe('2026-03-08T13:00:00.000Z'); // 9am passed today; Sunday is after the DST change
        expect(await at('tomorrow at 9am')).toBe('2026-03-08T13:00:00.000Z');
        const spec = await s.schedule({ name: 'w', delay: '90s' });
        expect(spec.nextRunAt!.getTime()).toBe(now + 90_000);
        const seedStyle = await s.schedule('daily-report', { type: 'report' }, { repeat: { cron: '0 9 * * *', timezone: 'Asia/Kolkata' } });
        expect(seedStyle).toMatchObject({ name: 'daily-report', data: { type: 'report' }, repeat: { cron: '0 9 * * *', timezone: 'Asia/Kolkata' } });
        expect(seedStyle.nextRunAt!.toISOString()).toBe('2026-03-08T03:30:00.000Z');
        const interval = await s.schedule({ name: 'cleanup-logs', data: {}, repeat: { every: 5 * 60 * 1000 } });
        expect(interval.nextRunAt!.getTime()).toBe(now); // an interval repeat runs at once, then every 5 minutes
        const cron = await s.every('0 9 * * *', 'ny report', null, { timezone: 'America/New_York' });
        expect(cron.nextRunAt!.toISOString()).toBe('2026-03-08T13:00:00.000Z');
      });

      it('schedules in bulk in one call and runs them all', async () => {
        const s = await h.scheduler({ concurrency: 20 });
        let runs = 0;
        s.define('email', async () => void runs++);
        const jobs = await s.scheduleBulk(Array.from({ length: 500 }, (_, i) => ({ name: 'email', data: { userId: i } })));
        expect(jobs).toHaveLength(500);
        expect(jobs[499]!.data).toEqual({ userId: 499 });
        await s.start();
        await waitUntil(async () => (await s.countJobs('email')).completed === 500, 20_000);
        expect(runs).toBe(500);
      });

      it('lists, counts and reports health', async () => {
        const s = await h.scheduler();
        await s.now('x');
        await s.now('x');
        await s.schedule('in 1 hour', 'y');
        expect(await s.getJob('987654321')).toBeNull();
        expect(await s.getJob('not-an-id')).toBeNull();
        expect(await s.queueSize()).toBe(3);
        expect(await s.queueSize('x')).toBe(2);
        expect(await s.listJobs({ name: 'y' })).toHaveLength(1);
        expect(await s.listJobs({ status: 'pending', limit: 2 })).toHaveLength(2);
        expect(await s.listJobs({ status: 'completed' })).toHaveLength(0);
        const health = await s.health();
        expect(health).toMatchObject({ healthy: true, queueSize: 3, running: 0, workersRunning: false });
        s.define('x', async () => 1);
        await s.start();
        await waitUntil(async () => (await s.countJobs('x')).completed === 2);
        expect((await s.health()).workersRunning).toBe(true);
      });

      it('keeps finished jobs and history only as long as its retention says', async () => {
        const s = await h.scheduler({ retention: { completed: 300, history: 300, interval: 100 } });
        s.define('quick', async () => 'ok');
        s.define('broken', async () => {
          throw new Error('no');
        });
        let ticks = 0;
        s.define('tick', async () => void ticks++);
        await s.start();
        const done = await s.now('quick');
        const failed = await s.now('broken');
        const tick = await s.every(50, 'tick');
        await waitUntil(async () => (await s.getJob(done.id))?.status === 'completed');
        // Completed: deleted by the sweeper once older than 300 ms, with its history. Failed: no retention, kept.
        await waitUntil(async () => (await s.getJob(done.id)) === null, 5000, 'the completed job to be pruned');
        expect(await s.history(done.id)).toEqual([]);
        expect((await s.getJob(failed.id))?.status).toBe('failed');
        // The repeating job stays; its history keeps only the recent runs.
        await waitUntil(() => ticks >= 16, 5000, 'the repeating job to run a while');
        const records = await s.history(tick.id);
        expect(records.length).toBeLessThan(ticks);
        expect(records[0]!.completedAt.getTime()).toBeGreaterThan(Date.now() - 300 - 500);
        expect((await s.getJob(tick.id))?.status).not.toBe('completed');
        // On demand, with a policy of its own: the failed job goes too.
        await new Promise((r) => setTimeout(r, 50));
        expect((await s.prune({ failed: 1 })).jobs).toBe(1);
        expect(await s.getJob(failed.id)).toBeNull();
      });

      it('keeps only the newest `count` finished jobs of a status when retention says so', async () => {
        const s = await h.scheduler();
        s.define('quick', async (job) => job.data);
        s.define('broken', async () => {
          throw new Error('no');
        }, { attempts: 1 });
        await s.start();
        const done = [];
        // One at a time, each started once the clock has passed the one before's finish, so no two share a time.
        for (let i = 0; i < 5; i++) {
          const job = await s.now('quick', i);
          const finished = (await s.waitFor(job.id)).lastFinishedAt!.getTime();
          done.push(job.id);
          await waitUntil(() => Date.now() > finished, 5000, 'the clock to pass the last finish');
        }
        const failed = await s.waitFor((await s.now('broken')).id);
        expect(failed.status).toBe('failed');
        expect(await s.prune({ completed: { count: 2 } })).toMatchObject({ jobs: 3 });
        expect((await s.listJobs({ status: 'completed' })).map((j) => j.id).sort()).toEqual(done.slice(3).sort());
        expect((await s.getJob(failed.id))?.status).toBe('failed');
        // count 0 keeps none; an age and a count together: whichever deletes more.
        expect(await s.prune({ failed: { count: 0 }, completed: { age: '1h', count: 5 } })).toMatchObject({ jobs: 1 });
        expect(await s.getJob(failed.id)).toBeNull();
        expect(await s.countJobs('quick')).toMatchObject({ completed: 2 });
      });

      it('updates a pending job and refuses to update a running one', async () => {
        const s = await h.scheduler();
        const job = await s.schedule('in 1 hour', 'u', { a: 1 });
        const updated = await s.update(job.id, { data: { a: 2 }, priority: 'high', attempts: 5, repeat: '*/10 * * * *' });
        expect(updated).toMatchObject({ data: { a: 2 }, priority: 10, maxAttempts: 5, repeat: { cron: '*/10 * * * *', timezone: 'UTC' } });
        expect(updated!.nextRunAt!.getUTCMinutes() % 10).toBe(0);
        let release!: () => void;
        s.define('u', () => new Promise<void>((r) => (release = r)));
        await s.start();
        await s.trigger(job.id);
        await waitUntil(async () => (await s.getJob(job.id))!.status === 'running');
        await expect(s.update(job.id, { priority: 1 })).rejects.toMatchObject({ code: 'JOB_STATE' });
        release();
        expect(await s.update('31337', { priority: 1 })).toBeNull();
      });

      it('gives distributed locks to one owner at a time', async () => {
        const s = await h.scheduler();
        expect(await s.locks.acquire('critical-job', 'proc-1', '10m')).toBe(true);
        expect(await s.locks.acquire('critical-job', 'proc-2', '10m')).toBe(false);
        expect(await s.locks.release('critical-job', 'proc-2')).toBe(false);
        expect(await s.locks.release('critical-job', 'proc-1')).toBe(true);
        expect(await s.locks.acquire('critical-job', 'proc-2', 50)).toBe(true);
        await sleep(80);
        expect(await s.locks.acquire('critical-job', 'proc-3', 50)).toBe(true);
      });
    });

    describe('job dependencies, throttling and webhooks', () => {
      it('runs the jobs a success asks for (define then, ctx.followUp), and none after a failure', async () => {
        const s = await h.scheduler();
        const ran: string[] = [];
        s.define('fetch', async (job, ctx) => {
          const { url, fail } = job.data as { url: string; fail?: boolean };
          ctx.followUp('notify', { about: url }, { priority: 'high' });
          if (fail) throw new Error('unreachable');
          return { body: `<${url}>` };
        }, { then: ['parse'] });
        s.define('parse', async (job) => void ran.push(`parse ${JSON.stringify(job.data)}`));
        s.define('notify', async (job) => void ran.push(`notify ${JSON.stringify(job.data)}`));
        // When a fetch is reported done (after its outcome is recorded), its follow-ups are already stored.
        const storedAtSuccess: Promise<number>[] = [];
        s.on('job:success', (job) => {
          if (job.name !== 'fetch') return;
          storedAtSuccess.push(h.created.store.countJobs('parse').then((c) => c.pending + c.running + c.completed));
        });
        await s.start();
        const ok = await s.now('fetch', { url: 'a' });
        const bad = await s.now('fetch', { url: 'b', fail: true });
        await waitUntil(() => ran.length >= 2, 10_000, 'the follow-ups to run');
        await sleep(150);
        expect(ran.sort()).toEqual(['notify {"about":"a"}', 'parse {"body":"<a>"}']);
        expect((await s.getJob(bad.id))?.status).toBe('failed');
        expect(await Promise.all(storedAtSuccess)).toEqual([1]);
        // Each follow-up is keyed to the run that asked for it (a re-run after a crash dedupes against it).
        const children = await s.listJobs({ status: 'completed', name: 'parse' });
        expect(children).toHaveLength(1);
        expect(children[0]!.dedupeKey).toMatch(new RegExp(`^then:${ok.id}:`));
        expect((await s.listJobs({ name: 'notify' }))[0]!.priority).toBe(10);
      });

      it('refuses a bad follow-up in the handler with a typed error, failing that run', async () => {
        const s = await h.scheduler();
        s.define('a', async (_job, ctx) => ctx.followUp('', null));
        await s.start();
        const job = await s.now('a');
        const failed = await nextEvent(s, 'job:fail');
        expect(failed.job.id).toBe(job.id);
        expect(failed.error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'followUp.name' });
        expect(() => new Scheduler({ store: h.created.store, logger: silentLogger }).define('x', async () => 1, { then: [''] })).toThrow(/options\.then\[0\]/);
      });

      it('posts webhooks for completions and failures, signed, and retries a receiver that fails', async () => {
        const { createServer } = await import('node:http');
        const { createHmac } = await import('node:crypto');
        const received: { headers: Record<string, unknown>; body: string }[] = [];
        let refuse = 1; // the first delivery gets a 500 and must be retried
        const server = createServer((req, res) => {
          let body = '';
          req.on('data', (c) => (body += c));
          req.on('end', () => {
            if (refuse-- > 0) return void res.writeHead(500).end();
            received.push({ headers: req.headers, body });
            res.writeHead(204).end();
          });
        });
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
        try {
          const hook = { url, secret: 's3cret', events: ['job:complete', 'job:retry'] as const, names: ['work'], backoff: { type: 'fixed' as const, delay: 10 } };
          const s = await h.scheduler({ webhooks: [{ ...hook, events: [...hook.events] }] });
          s.define('work', async (job) => {
            if ((job.data as { fail: boolean }).fail && job.attempts < 2) throw new Error('flaky');
            return 'done';
          }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
          s.define('other', async () => 'quiet');
          await s.start();
          const ok = await s.now('work', { fail: false });
          const flaky = await s.now('work', { fail: true });
          await s.now('other');
          await waitUntil(() => received.length >= 3, 15_000, 'three webhook deliveries');
          await sleep(200);
          const bodies = received.map((r) => JSON.parse(r.body) as { event: string; deliveryId: string; job: Job; error: string | null });
          const summary = bodies.map((b) => `${b.event} ${b.job.id} ${b.job.status}`).sort();
          expect(summary).toEqual([`job:complete ${flaky.id} completed`, `job:complete ${ok.id} completed`, `job:retry ${flaky.id} pending`].sort());
          const retry = bodies.find((b) => b.event === 'job:retry')!;
          expect(retry.error).toBe('flaky');
          for (const r of received) {
            expect(r.headers['x-hourglass-signature']).toBe(`sha256=${createHmac('sha256', 's3cret').update(r.body).digest('hex')}`);
            expect(r.headers['content-type']).toBe('application/json');
            expect(r.headers['x-hourglass-delivery']).toBe(JSON.parse(r.body).deliveryId);
          }
          // Deliveries are jobs: the refused one shows its failed attempt in its history.
          const deliveries = await s.listJobs({ name: 'hourglass:webhook', status: 'completed' });
          expect(deliveries).toHaveLength(3);
          expect(Math.max(...deliveries.map((d) => d.attempts))).toBe(2);
        } finally {
          server.close();
        }
      });

      it('throttles a name to rateLimit starts per window, and keeps others running meanwhile', async () => {
        const s = await h.scheduler({ pollInterval: 5000 }); // so only the window's own wake-up can be in time
        const starts: number[] = [];
        let others = 0;
        s.define('api', async () => undefined, { rateLimit: { max: 3, per: 400 } });
        s.define('free', async () => void others++);
        // A start is when the scheduler starts the run (job:start, the instant the limiter counts), not when the
        // handler's first line executes: on a busy machine that comes a few ms later, unevenly.
        s.on('job:start', (job) => {
          if (job.name === 'api') starts.push(Date.now());
        });
        await s.start();
        const t0 = Date.now();
        await s.scheduleBulk(Array.from({ length: 8 }, (_, i) => ({ name: 'api', data: { i } })));
        await s.scheduleBulk(Array.from({ length: 20 }, () => ({ name: 'free' })));
        await waitUntil(() => others === 20, 5000, 'the unthrottled jobs');
        expect(starts.length).toBeLessThanOrEqual(3); // the throttled name did not hold the others back, nor run ahead
        await waitUntil(() => starts.length === 8, 10_000, 'all throttled jobs');
        // Sliding window: no 400 ms span holds more than 3 starts; 8 starts need at least two full windows. The
        // listener reads the clock just after the limiter did: a GC pause between the two (seen: 3 ms on a loaded
        // machine) can make an earlier start look later, hence a few ms of slack; an unthrottled start is ~0 ms.
        for (let i = 3; i < starts.length; i++) expect(starts[i]! - starts[i - 3]!).toBeGreaterThanOrEqual(390);
        expect(starts[7]! - t0).toBeGreaterThanOrEqual(800);
        expect(starts[7]! - t0).toBeLessThan(2500); // woken when the window frees, not a poll much later
        expect(() => s.define('x', async () => 1, { rateLimit: { max: 0, per: '1s' } })).toThrow(/options\.rateLimit\.max/);
        expect(() => s.define('x', async () => 1, { rateLimit: { max: 1 } as never })).toThrow(/options\.rateLimit/);
      });

      it('rejects bad webhook options with a typed error naming the field', () => {
        const make = (webhooks: unknown) => () => new Scheduler({ store: h.created.store, logger: silentLogger, webhooks: webhooks as never });
        expect(make([{ url: 'ftp://x' }])).toThrow(/options\.webhooks\[0\]\.url/);
        expect(make([{ url: 'http://x', events: ['job:done'] }])).toThrow(/options\.webhooks\[0\]\.events\[0\]/);
        expect(make([{ url: 'http://x' }, { url: 'http://x' }])).toThrow(/options\.webhooks\[1\]\.id/);
        expect(make({ url: 'http://x' })).toThrow(/options\.webhooks/);
      });
    });
  });
}
