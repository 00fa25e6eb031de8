/**
 * A run that outlives its abort (timeout, cancel, a deleted job) keeps its slot until the handler returns:
 * never more than `concurrency` handlers of a name at once, in one process or across processes, and a retry
 * starts only after the run it retries has returned. Every wait is on an event (a log line, a scheduler
 * event, a handler returning), never a sleep.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import type { Job } from '../../src/core/types.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { nextEvent } from '../support/scheduler.js';
import { recordingLogger, type LogRecord } from '../support/logger.js';
import { deferred } from './helpers.js';

const schedulers: Scheduler[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop({ graceful: false }).catch(() => undefined)));
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function scheduler(options: SchedulerOptions): Scheduler {
  const s = new Scheduler({ pollInterval: 50, store: new SqliteStore({ path: ':memory:' }), ...options });
  schedulers.push(s);
  return s;
}

/** Counts handlers executing at once and records starts and ends, in order, whichever scheduler runs them. */
function tracker() {
  const t = {
    executing: 0,
    most: 0,
    log: [] as string[],
    /** Wraps a handler body that ignores ctx.signal entirely. */
    handler(label: (job: Job) => string, body: (job: Job) => Promise<unknown>) {
      return async (job: Job) => {
        t.executing++;
        t.most = Math.max(t.most, t.executing);
        t.log.push(`start ${label(job)}`);
        try {
          return await body(job);
        } finally {
          t.executing--;
          t.log.push(`end ${label(job)}`);
        }
      };
    },
  };
  return t;
}

const overdue = (r: LogRecord) => r.level === 'warn' && /overdue/.test(r.msg);

describe('a run that outlives its abort', () => {
  it('after its timeout keeps its slot and its job running; the retry starts only after it returns', async () => {
    const logger = recordingLogger();
    const s = scheduler({ logger });
    const t = tracker();
    const release = deferred();
    s.define('stubborn', t.handler((job) => String(job.attempts), async (job) => (job.attempts === 1 ? release.promise : 'second')), {
      concurrency: 1,
      timeout: 50,
      attempts: 2,
      backoff: { type: 'fixed', delay: 0 },
    });
    s.on('job:fail', ({ job }) => t.log.push(`fail ${job.attempts}`));
    await s.start();
    const job = await s.now('stubborn');
    // Either the run is reported overdue (right), or its retry starts beside it (the defect).
    const late = await Promise.race([logger.when(overdue), nextEvent(s, 'job:start', (j) => j.attempts === 2).then(() => null)]);
    expect(t.log).toEqual(['start 1']);
    expect(late?.fields).toMatchObject({ jobId: job.id, jobName: 'stubborn', reason: 'timeout' });
    expect(await s.getJob(job.id)).toMatchObject({ status: 'running', attempts: 1 });

    const success = nextEvent(s, 'job:success');
    release.resolve();
    expect(await success).toMatchObject({ id: job.id, attempts: 2, result: 'second' });
    expect(t.log.filter((l) => !l.startsWith('fail'))).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(t.log.indexOf('fail 1')).toBeGreaterThan(t.log.indexOf('end 1'));
    expect(t.most).toBe(1);
    const history = await s.history(job.id);
    expect(history.map((r) => [r.attempt, r.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(history[0]!.error).toMatch(/timed out after 50 ms/);
    expect(logger.records.filter(overdue)).toHaveLength(1);
  });

  it('after a cancel keeps its slot: the next job of its name waits until it returns', async () => {
    const logger = recordingLogger();
    const s = scheduler({ logger });
    const t = tracker();
    const release = deferred();
    s.define('stubborn', t.handler((job) => String(job.data), async (job) => (job.data === 'a' ? release.promise : 'b done')), { concurrency: 1 });
    await s.start();
    const aStarted = nextEvent(s, 'job:start');
    const a = await s.now('stubborn', 'a');
    await aStarted;
    const b = await s.now('stubborn', 'b');
    await s.cancel(a.id);
    const late = await Promise.race([logger.when(overdue), nextEvent(s, 'job:start', (j) => j.id === b.id).then(() => null)]);
    expect(t.log).toEqual(['start a']);
    expect(late?.fields).toMatchObject({ jobId: a.id, reason: 'cancel' });

    const bDone = nextEvent(s, 'job:success', (j) => j.id === b.id);
    release.resolve();
    await bDone;
    expect(t.log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(t.most).toBe(1);
    expect((await s.getJob(a.id))!.status).toBe('cancelled');
    expect((await s.history(a.id)).map((r) => r.status)).toEqual(['cancelled']);
  });

  it('after its job is deleted keeps its slot, then drops its outcome', async () => {
    const logger = recordingLogger();
    const s = scheduler({ logger });
    const t = tracker();
    const release = deferred();
    s.define('stubborn', t.handler((job) => String(job.data), async (job) => (job.data === 'a' ? release.promise : 'b done')), { concurrency: 1 });
    await s.start();
    const aStarted = nextEvent(s, 'job:start');
    const a = await s.now('stubborn', 'a');
    await aStarted;
    const b = await s.now('stubborn', 'b');
    expect(await s.remove(a.id)).toBe(true);
    const late = await Promise.race([logger.when(overdue), nextEvent(s, 'job:start', (j) => j.id === b.id).then(() => null)]);
    expect(t.log).toEqual(['start a']);
    expect(late?.fields).toMatchObject({ jobId: a.id, reason: 'lost' });

    const bDone = nextEvent(s, 'job:success', (j) => j.id === b.id);
    const dropped = logger.when((r) => r.fields.jobId === a.id && /outcome dropped/.test(r.msg));
    release.resolve();
    await Promise.all([bDone, dropped]);
    expect(t.log).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect(await s.getJob(a.id)).toBeNull();
  });

  it('across processes: after its timeout it keeps renewing its lease, and no process starts the retry before it returns', async () => {
    const created = await sqliteFileFactory.create();
    cleanups.push(created.cleanup);
    const logger = recordingLogger();
    // A lock of 200 ms would expire several times over while the handler is overdue, unless it is renewed.
    const options = { concurrency: 5, lockLifetime: 200 } as const;
    const first = scheduler({ ...options, logger, store: created.store });
    const second = scheduler({ ...options, store: await storeFromUrl(created.url) });
    const t = tracker();
    const release = deferred();
    for (const s of [first, second]) {
      s.define('stubborn', t.handler((job) => String(job.attempts), async (job) => (job.attempts === 1 ? release.promise : 'second')), {
        concurrency: 1,
        timeout: 50,
        attempts: 2,
        backoff: { type: 'fixed', delay: 0 },
      });
    }
    await first.start();
    const started = nextEvent(first, 'job:start');
    const job = await first.now('stubborn');
    await started;
    await second.start();
    const retryStarts = [first, second].map((s) => nextEvent(s, 'job:start', (j) => j.attempts === 2));
    const late = await Promise.race([logger.when(overdue), ...retryStarts.map((p) => p.then(() => null))]);
    expect(t.log).toEqual(['start 1']);
    expect(late).not.toBeNull();
    const held = await second.getJob(job.id);
    expect(held).toMatchObject({ status: 'running', attempts: 1, lockedBy: first.workerId });
    expect(held!.lockedUntil!.getTime()).toBeGreaterThan(job.createdAt.getTime() + 800);

    release.resolve();
    await Promise.race(retryStarts);
    await Promise.race([first, second].map((s) => nextEvent(s, 'job:success')));
    expect(t.log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(t.most).toBe(1);
  });
});
