/**
 * Durability through the public API on a real store: graceful and forced stops, leases that cannot lie,
 * several real processes racing, and a worker process killed mid-job. Every store runs this file unchanged.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Job } from '../../src/core/types.js';
import { availability, type StoreFactory } from './factory.js';
import { sleep, spawnWorker, waitUntil } from './helpers.js';
import { recordingLogger } from '../support/logger.js';
import { useHarness } from './scheduler-contract.js';

export async function describeSchedulerDurability(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);
  const shared = factory.shared !== false;

  describe.skipIf(skip)(`${factory.kind} durability`, () => {
    const h = useHarness(factory);

    it('stop() waits for running jobs to finish before it resolves', async () => {
      const s = await h.scheduler();
      let finished = false;
      s.define('work', async () => {
        await sleep(300);
        finished = true;
      });
      await s.start();
      const job = await s.now('work');
      // The stored status, as a user watches it: 'running' from the claim, possibly before the claim's answer has
      // reached the worker. A graceful stop then still runs the job in its free slot (test/core/stop-inflight-claim).
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'running');
      const events: string[] = [];
      s.on('worker:stop', () => events.push('worker:stop'));
      s.on('scheduler:stop', () => events.push('scheduler:stop'));
      await s.stop({ graceful: true, timeoutMs: 5000 });
      expect(finished).toBe(true);
      expect(events).toEqual(['worker:stop', 'scheduler:stop']);
      if (shared) expect((await (await h.otherStore()).getJob(job.id))!.status).toBe('completed');
    });

    it.skipIf(!shared)('after its timeout, stop() aborts, releases the job at once, and another process runs it', async () => {
      const first = await h.scheduler({ lockLifetime: '10m' });
      let sawAbort = false;
      first.define('long', (_job, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => {
        sawAbort = true;
        reject(ctx.signal.reason);
      })));
      await first.start();
      const job = await first.now('long');
      await waitUntil(async () => (await first.getJob(job.id))!.status === 'running');
      const started = Date.now();
      await first.stop({ graceful: true, timeoutMs: 200 });
      expect(sawAbort).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
      const second = await h.scheduler();
      const released = await second.getJob(job.id);
      expect(released).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null });
      second.define('long', async () => 'done elsewhere');
      await second.start();
      await waitUntil(async () => (await second.getJob(job.id))!.status === 'completed', 5000);
      const history = await second.history(job.id);
      expect(history.map((r) => r.status)).toEqual(['failed', 'completed']);
      expect(history[0]!.error).toMatch(/interrupted/);
    });

    it('claims short jobs ahead of free slots, and releases the ones not started at once on stop', async () => {
      const s = await h.scheduler({ concurrency: 2, prefetch: 4 });
      s.define('quick', async () => undefined);
      let blocked = 0;
      s.define('block', (_job, ctx) => {
        blocked++;
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
      });
      await s.start();
      // Short jobs first, so the scheduler learns that locking ahead pays.
      await s.scheduleBulk(Array.from({ length: 30 }, () => ({ name: 'quick' })));
      await waitUntil(async () => (await s.countJobs('quick')).completed === 30);
      // Two blockers take both slots; the quick jobs behind them are claimed ahead and wait, locked.
      await s.scheduleBulk([{ name: 'block', priority: 'high' }, { name: 'block', priority: 'high' }]);
      await waitUntil(() => blocked === 2);
      const waiting = await s.scheduleBulk(Array.from({ length: 6 }, () => ({ name: 'quick' })));
      await waitUntil(async () => (await s.countJobs('quick')).running === 4, 5000, 'four jobs claimed ahead');
      expect((await s.countJobs('quick')).pending).toBe(2);
      await s.stop({ graceful: true, timeoutMs: 100 });
      const reader = shared ? await h.otherStore() : null;
      if (reader) {
        for (const job of waiting) {
          expect(await reader.getJob(job.id)).toMatchObject({ status: 'pending', attempts: 0, lockedBy: null });
          expect(await reader.history(job.id)).toEqual([]);
        }
      }
    });

    it('never claims long jobs ahead of free slots', async () => {
      const s = await h.scheduler({ concurrency: 1, prefetch: 10 });
      // A job claimed ahead is locked (running in the store) while it waits for a slot. So while each long
      // handler runs, every running job in the store must be one whose handler has started: none held waiting.
      // (Asked of the store, not timed: a claim's reply may be slow on a busy machine.)
      const started = new Set<string>();
      const heldWaiting: string[][] = [];
      s.define('long', async (job) => {
        started.add(job.id);
        const running = await s.listJobs({ name: 'long', status: 'running', limit: 100 });
        heldWaiting.push(running.filter((j) => !started.has(j.id)).map((j) => j.id));
        await sleep(200);
      });
      await s.scheduleBulk(Array.from({ length: 4 }, () => ({ name: 'long' })));
      await s.start();
      await waitUntil(async () => (await s.countJobs('long')).completed === 4, 10_000);
      expect(heldWaiting).toEqual([[], [], [], []]);
    });

    it('graceful: false aborts running jobs at once', async () => {
      const s = await h.scheduler();
      let reason: unknown = null;
      s.define('long', (_job, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject((reason = ctx.signal.reason)))));
      await s.start();
      const job = await s.now('long');
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'running');
      const started = Date.now();
      await s.stop({ graceful: false });
      expect(Date.now() - started).toBeLessThan(2000);
      expect((reason as { code: string }).code).toBe('SCHEDULER_STOPPING');
    });

    it('a worker that lost its lease can neither settle nor overwrite the job', async () => {
      const logger = recordingLogger();
      const s = await h.scheduler({ logger, lockLifetime: '10m' });
      let release!: () => void;
      const successes: Job[] = [];
      s.on('job:success', (j) => successes.push(j));
      s.define('paused', () => new Promise<string>((r) => (release = () => r('stale result'))));
      await s.start();
      const job = await s.now('paused');
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'running');
      // Another worker takes the job as if this one had been partitioned for an hour.
      const thief = shared ? await h.otherStore() : h.created.store;
      const [stolen] = await thief.claim({
        now: Date.now() + 3_600_000,
        workerId: 'thief',
        lockToken: randomUUID(),
        limit: 1,
        names: ['paused'],
        limits: [],
        lockLifetimeMs: 3_600_000,
      });
      expect(stolen!.id).toBe(job.id);
      release();
      await waitUntil(() => logger.records.some((r) => /outcome dropped/.test(r.msg)), 5000, 'the dropped-outcome warning');
      expect(successes).toEqual([]);
      const now = await s.getJob(job.id);
      expect(now).toMatchObject({ status: 'running', lockedBy: 'thief', result: null });
    });

    it.skipIf(!shared)('several real processes share the work: every job runs, none twice', async () => {
      const s = await h.scheduler();
      const children = [1, 2, 3].map(() => spawnWorker(h.created.url, 'race'));
      try {
        // Enqueue once all three are up, so they race for the same jobs (one booting first could take them all).
        await Promise.all(children.map((c) => c.waitFor('ready')));
        const jobs = await s.scheduleBulk(Array.from({ length: 200 }, (_, i) => ({ name: 'race', data: i })));
        await waitUntil(async () => (await s.countJobs('race')).completed === 200, 30_000, 'all jobs completed');
        const runs = children.flatMap((c) => c.lines.filter((l) => l.startsWith('started ')).map((l) => l.slice(8)));
        expect(runs.sort()).toEqual(jobs.map((j) => j.id).sort());
        expect(children.filter((c) => c.lines.some((l) => l.startsWith('done '))).length).toBeGreaterThan(1);
      } finally {
        for (const c of children) c.process.kill('SIGTERM');
        await Promise.all(children.map((c) => c.exited));
      }
    });

    it.skipIf(!shared)('a job whose process is killed mid-run runs again in another process', async () => {
      const s = await h.scheduler();
      const job = await s.now('slow', { important: true });
      const doomed = spawnWorker(h.created.url, 'crash');
      await doomed.waitFor(`started ${job.id}`);
      doomed.process.kill('SIGKILL');
      await doomed.exited;
      expect((await s.getJob(job.id))!.status).toBe('running');
      let ranAgain: Job | null = null;
      s.define('slow', async (j) => {
        ranAgain = j;
        return 'recovered';
      });
      await s.start();
      // The dead process's lock lifetime is 1 s: after that, this scheduler takes the job.
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'completed', 10_000, 'recovery');
      expect(ranAgain!.data).toEqual({ important: true });
      expect(ranAgain!.attempts).toBe(2);
      const history = await s.history(job.id);
      expect(history.map((r) => r.status)).toEqual(['failed', 'completed']);
      expect(history[0]!.error).toMatch(/lock expired/);
    });

    it.skipIf(!shared)('a job that kills its worker every time is failed after maxLostRuns, not run forever', async () => {
      const s = await h.scheduler();
      const job = await s.now('slow', { poison: true });
      // Two real processes take it in turn and are killed mid-run (each after the last one's lock expired).
      for (let attempt = 1; attempt <= 2; attempt++) {
        const doomed = spawnWorker(h.created.url, 'crash');
        await doomed.waitFor(`started ${job.id}`, 10_000);
        doomed.process.kill('SIGKILL');
        await doomed.exited;
      }
      expect((await s.getJob(job.id))!.attempts).toBe(2);
      let ran = 0;
      s.define('slow', async () => void ran++, { maxLostRuns: 1 });
      await s.start();
      // Third claim: attempts 3 against maxAttempts 1 means two lost runs, one more than allowed.
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'failed', 10_000, 'the job to be given up');
      expect(ran).toBe(0);
      const failed = await s.getJob(job.id);
      expect(failed!.lastError).toMatch(/lost its worker 2 times/);
      const history = await s.history(job.id);
      expect(history.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
      expect(history.slice(0, 2).every((r) => /lock expired/.test(r.error ?? ''))).toBe(true);
    });

    it.skipIf(!shared)('ten processes booting with every() keep one job, and each due time runs once', async () => {
      const s = await h.scheduler();
      const children = Array.from({ length: 4 }, () => spawnWorker(h.created.url, 'every'));
      try {
        await Promise.all(children.map((c) => c.waitFor('ready')));
        await sleep(1300);
        for (const c of children) c.process.kill('SIGTERM');
        await Promise.all(children.map((c) => c.exited));
        expect((await s.listJobs({ name: 'tick' })).length).toBe(1);
        const [tick] = await s.listJobs({ name: 'tick' });
        const history = await s.history(tick!.id);
        const starts = children.flatMap((c) => c.lines.filter((l) => l.startsWith('started ')));
        const completed = history.filter((r) => r.status === 'completed');
        expect(starts.length).toBe(completed.length);
        expect(starts.length).toBeGreaterThanOrEqual(3);
        // One run per occurrence: no due time was run twice, by one process or by two, and all are on the grid.
        const dueTimes = starts.map((line) => Number(line.split(' ')[2])).sort((a, b) => a - b);
        expect(new Set(dueTimes).size).toBe(dueTimes.length);
        for (const due of dueTimes) expect((due - dueTimes[0]!) % 300).toBe(0);
      } finally {
        for (const c of children) c.process.kill('SIGKILL');
      }
    });
  });
}
