/**
 * One run, without a worker or a store: the handler's ctx, and what each abort makes of the outcome. A run
 * always waits for its handler to return, whatever aborted it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobRun, OVERDUE_AFTER_MS, type RunContext } from '../../src/core/job-run.js';
import type { ResolvedRun } from '../../src/core/registry.js';
import type { ClaimedJob, NewJob } from '../../src/core/store.js';
import type { HandlerContext, Job, JobHandler, JobsClient } from '../../src/core/types.js';
import { recordingLogger } from '../support/logger.js';
import { deferred } from './helpers.js';

const job = { id: '9', name: 'work', attempts: 2, lockToken: 'tok', data: { n: 1 } } as unknown as ClaimedJob;
const view = { id: '9', name: 'work', attempts: 2, data: { n: 1 } } as unknown as Job;
const client = {} as JobsClient;

function run(handler: JobHandler, options: { timeoutMs?: number | null; progress?: boolean; extras?: Record<string, unknown>; view?: () => Job } = {}) {
  const logger = recordingLogger();
  const saved: unknown[] = [];
  const env: RunContext = {
    now: () => 5000,
    logger,
    client,
    extras: options.extras ?? {},
    saveProgress: async (_job, progress) => {
      saved.push(progress);
      return options.progress !== false;
    },
    followUpJob: (spec) => ({ name: spec.name, data: spec.data }) as NewJob,
    flowJobs: () => [],
    settled: () => undefined,
    tracing: null,
    // No handler here calls ctx.step, sleep or waitForEvent: a durable run would fail loudly.
    store: () => {
      throw new Error('these runs have no store');
    },
    workerId: 'w1',
    view: options.view ?? (() => view),
  };
  const policy = { handler, timeoutMs: options.timeoutMs ?? null, maxAttempts: 3, backoff: { type: 'fixed', delay: 0 }, saveResult: true } as ResolvedRun;
  return { run: new JobRun(job, policy, env), logger, saved };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('JobRun', () => {
  it('gives the handler its ctx: the job, lazy signal and logger, progress, followUp, scheduler and extras', async () => {
    let ctx!: HandlerContext;
    const { run: r, saved } = run(
      async (_job, c) => {
        ctx = c;
        await c.progress({ half: true });
        c.followUp('next', { n: 2 });
        return 'ok';
      },
      { extras: { db: 'the-db', jobId: 'must not override' } },
    );
    expect(await r.execute()).toEqual({ kind: 'success', result: 'ok' });
    expect(ctx).toMatchObject({ job: view, data: { n: 1 }, jobId: '9', jobName: 'work', attempt: 2, scheduler: client, db: 'the-db' });
    expect(ctx.signal).toBeInstanceOf(AbortSignal);
    expect(ctx.signal.aborted).toBe(false);
    expect(saved).toEqual([{ half: true }]);
    expect(r.followUps).toEqual([{ name: 'next', data: { n: 2 } }]);
    expect(r.handlerDone).toBe(true);
  });

  it('builds the job view on first use, hands the same one to job:start, the handler and ctx.job, and lets go of it once the handler returned', async () => {
    const built: Job[] = [];
    const views = { view: () => { const v = { ...view }; built.push(v); return v; } };
    const seen: Job[] = [];
    const { run: r } = run(async (job, ctx) => {
      seen.push(job, ctx.job);
    }, views);
    expect(built).toHaveLength(0); // nothing built before anyone asks
    const announced = r.view; // as the worker does for a job:start listener
    expect(r.view).toBe(announced);
    expect(await r.execute()).toEqual({ kind: 'success', result: null });
    expect(seen).toEqual([announced, announced]);
    expect(seen[0]).toBe(announced);
    expect(built).toHaveLength(1);
    // Held no longer: what needs it after the handler (events, webhooks) gets a fresh one of the same job.
    const after = r.view;
    expect(after).not.toBe(announced);
    expect(after).toEqual(announced);
    expect(built).toHaveLength(2);
  });

  it('gives a ctx that spreads and destructures as a plain object would, its functions working unbound', async () => {
    const { run: r, saved } = run(
      async (_job, ctx) => {
        const copy = { ...ctx };
        const { progress, followUp, signal, logger } = ctx;
        await progress(5);
        followUp('next');
        return {
          keys: Object.keys(copy).sort(),
          signal: copy.signal instanceof AbortSignal && signal === ctx.signal,
          logger: typeof logger.info,
          functions: [typeof copy.progress, typeof copy.followUp],
          stable: ctx.progress === progress,
        };
      },
      { extras: { db: 'the-db' } },
    );
    expect(await r.execute()).toEqual({
      kind: 'success',
      result: {
        keys: ['attempt', 'data', 'db', 'flow', 'followUp', 'job', 'jobId', 'jobName', 'logger', 'progress', 'results', 'scheduler', 'signal', 'sleep', 'sleepUntil', 'step', 'waitForEvent'],
        signal: true,
        logger: 'function',
        functions: ['function', 'function'],
        stable: true,
      },
    });
    expect(saved).toEqual([5]);
    expect(r.followUps).toEqual([{ name: 'next', data: undefined }]);
  });

  it('turns a throw, synchronous or not, into a failure', async () => {
    const error = new Error('sync');
    expect(
      await run(() => {
        throw error;
      }).run.execute(),
    ).toEqual({ kind: 'failure', error });
    expect(await run(() => Promise.reject('a string')).run.execute()).toMatchObject({ kind: 'failure', error: { message: 'a string' } });
  });

  it('after a timeout waits for the handler, then fails the attempt with JobTimeoutError even if it succeeded', async () => {
    const release = deferred<string>();
    const started = deferred();
    let signal!: AbortSignal;
    const { run: r } = run((_job, ctx) => {
      signal = ctx.signal;
      started.resolve();
      return release.promise;
    });
    const outcome = r.execute();
    await started.promise;
    r.abort('timeout');
    expect(signal.aborted).toBe(true);
    expect((signal.reason as { code: string }).code).toBe('JOB_TIMEOUT');
    expect(r.handlerDone).toBe(false);
    release.resolve('late success');
    expect(await outcome).toMatchObject({ kind: 'failure', error: { code: 'JOB_TIMEOUT' } });
  });

  it('after a cancel ends cancelled, after a lost lease has no outcome, after a stop keeps a success', async () => {
    for (const [reason, expected] of [
      ['cancel', { kind: 'cancelled' }],
      ['lost', null],
      ['stop', { kind: 'success', result: 'done anyway' }],
    ] as const) {
      const release = deferred<string>();
      const { run: r } = run(() => release.promise);
      const outcome = r.execute();
      r.abort(reason);
      r.abort('timeout'); // the first reason wins
      release.resolve('done anyway');
      expect(await outcome).toEqual(expected);
    }
    const listening = deferred();
    const { run: stopped } = run(
      (_job, ctx) =>
        new Promise((_, reject) => {
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
          listening.resolve();
        }),
    );
    const outcome = stopped.execute();
    await listening.promise;
    stopped.abort('stop');
    expect(await outcome).toMatchObject({ kind: 'released' });
  });

  it('a handler first reading ctx.signal after its abort finds it aborted', async () => {
    let seen: AbortSignal | null = null;
    const release = deferred();
    const { run: r } = run(async (_job, ctx) => {
      await release.promise;
      seen = ctx.signal;
    });
    const outcome = r.execute();
    r.abort('cancel');
    release.resolve();
    await outcome;
    expect(seen!.aborted).toBe(true);
    expect((seen!.reason as { code: string }).code).toBe('JOB_CANCELLED');
  });

  it(`reports a handler still running ${OVERDUE_AFTER_MS} ms after its abort as overdue, once, through the run's logger`, async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const release = deferred();
    const { run: r, logger } = run(() => release.promise);
    const outcome = r.execute();
    r.abort('cancel');
    vi.advanceTimersByTime(OVERDUE_AFTER_MS - 1);
    expect(logger.records).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(logger.records).toHaveLength(1);
    expect(logger.records[0]).toMatchObject({ level: 'warn', fields: { jobId: '9', jobName: 'work', attempt: 2, reason: 'cancel' } });
    expect(logger.records[0]!.msg).toMatch(/overdue/);
    vi.advanceTimersByTime(10 * OVERDUE_AFTER_MS);
    expect(logger.records).toHaveLength(1);
    release.resolve();
    expect(await outcome).toEqual({ kind: 'cancelled' });
  });

  it('a handler that returns soon after its abort is not overdue', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const release = deferred();
    const { run: r, logger } = run(() => release.promise);
    const outcome = r.execute();
    r.abort('cancel');
    release.resolve();
    await outcome;
    vi.advanceTimersByTime(OVERDUE_AFTER_MS * 2);
    expect(logger.records).toEqual([]);
  });

  it('ctx.progress() on a lease that no longer holds rejects with LeaseLostError and aborts the run as lost', async () => {
    const { run: r } = run(
      async (_job, ctx) => {
        await expect(ctx.progress(1)).rejects.toMatchObject({ code: 'LEASE_LOST' });
        expect(ctx.signal.aborted).toBe(true);
        return 'ignored';
      },
      { progress: false },
    );
    expect(await r.execute()).toBeNull();
    expect(r.reason).toBe('lost');
  });
});
