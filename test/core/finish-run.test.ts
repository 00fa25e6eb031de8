/**
 * What an outcome becomes once the handler returned: follow-ups first, then the settlement, then events, then
 * ended(): the worker's cue that the run is over.
 */
import { describe, expect, it } from 'vitest';
import { RunFinisher, type FinishContext } from '../../src/core/finish-run.js';
import { JobRun, type RunContext } from '../../src/core/job-run.js';
import type { ResolvedRun } from '../../src/core/registry.js';
import type { ClaimedJob, NewJob, Settlement } from '../../src/core/store.js';
import type { Job, SchedulerEvents } from '../../src/core/types.js';
import { recordingLogger } from '../support/logger.js';
import { deferred, type Deferred } from './helpers.js';

const NOW = 1_700_000_000_000;
const job = (patch: Partial<ClaimedJob> = {}) =>
  ({ id: '4', name: 'work', attempts: 1, maxAttempts: null, lockToken: 'tok', dueAt: NOW - 10, nextRunAt: NOW - 10, repeat: null, lastError: null, lastErrorStack: null, result: null, ...patch }) as ClaimedJob;

function setup(applied = true) {
  const steps: string[] = [];
  const ended = new Map<JobRun, Deferred<void>>();
  const endOf = (run: JobRun) => ended.get(run) ?? ended.set(run, deferred()).get(run)!;
  const settled: Settlement[] = [];
  const events: [keyof SchedulerEvents, unknown][] = [];
  const logger = recordingLogger();
  const env: FinishContext = {
    workerId: 'w1',
    now: () => NOW,
    events: { emit: (event, ...args) => void events.push([event, args[0]]), listens: () => true },
    followUpJob: (spec) => ({ name: spec.name, data: spec.data, dedupeKey: null }) as NewJob,
    enqueue: async (jobs) => void steps.push(`enqueue ${jobs.map((j) => j.name).join(',')}`),
    enqueueFlow: async (jobs) => void steps.push(`enqueueFlow ${jobs.map((j) => j.name).join(',')}`),
    webhooks: null,
    storeFailed: () => undefined,
    // The store answers in a later turn, as a real one does.
    settle: (pending) => {
      steps.push(`settle ${pending.settlement.status}`);
      settled.push(pending.settlement);
      setImmediate(() => pending.settled(applied));
    },
    ended: (run) => {
      steps.push('ended');
      endOf(run).resolve();
    },
    wakeAt: (at) => void steps.push(`wake ${at - NOW}`),
    stopped: () => false,
    // No run here is durable (durable.ts): a call would show up in `steps`, the order the tests assert.
    suspend: async (suspension) => (steps.push(`suspend ${suspension.id}`), true),
    clearSteps: async (claimed) => (steps.push(`clearSteps ${claimed.id}`), true),
  };
  const runContext = {
    now: () => NOW - 100,
    logger,
    settled: (run: JobRun, ok: boolean) => finisher.settled(run, ok),
    view: (claimed: ClaimedJob) => ({ id: claimed.id, attempts: claimed.attempts }) as Job,
  } as unknown as RunContext;
  const runOf = (claimed: ClaimedJob, then: string[] = []) =>
    new JobRun(claimed, { maxAttempts: 2, backoff: { type: 'fixed', delay: 500 }, saveResult: true, then, timeoutMs: null } as unknown as ResolvedRun, runContext);
  const finisher = new RunFinisher(env);
  /** finish() and wait for the run to be over. */
  const finish = async (run: JobRun, outcome: Parameters<RunFinisher['finish']>[1]) => {
    finisher.finish(run, outcome);
    await endOf(run).promise;
  };
  return { finisher, finish, steps, settled, events, logger, runOf };
}

describe('RunFinisher', () => {
  it('enqueues a success’s follow-ups before settling it, then reports it', async () => {
    const { finish, steps, events, runOf } = setup();
    const run = runOf(job(), ['next']);
    await finish(run, { kind: 'success', result: { n: 1 } });
    expect(steps).toEqual(['enqueue next', 'settle completed', 'ended']);
    expect(events.map(([e]) => e)).toEqual(['job:success', 'job:complete']);
    expect(events[0]![1]).toMatchObject({ id: '4', status: 'completed', result: { n: 1 }, maxAttempts: 2 });
  });

  it('schedules the wake-up for a retry and reports the failure', async () => {
    const { finish, steps, events, runOf } = setup();
    const error = new Error('boom');
    await finish(runOf(job()), { kind: 'failure', error });
    expect(steps).toEqual(['settle pending', 'wake 500', 'ended']);
    expect(events.map(([e]) => e)).toEqual(['job:fail', 'job:retry']);
    expect(events[0]![1]).toMatchObject({ error, job: { status: 'pending', lastError: 'boom' } });
  });

  it('reports nothing when the store did not apply the outcome (the lease was lost)', async () => {
    const { finish, events, logger, runOf } = setup(false);
    await finish(runOf(job()), { kind: 'success', result: null });
    expect(events).toEqual([]);
    expect(logger.records.map((r) => r.msg)).toEqual([expect.stringMatching(/outcome dropped/)]);
  });

  it('releases a job that never started without counting its attempt, and without recording a maxAttempts it never ran under', async () => {
    const { finisher, settled } = setup();
    await finisher.releaseUnstarted(job({ attempts: 1 }), 'released');
    await finisher.releaseUnstarted(job({ attempts: 1 }), 'cancelled');
    expect(settled[0]).toMatchObject({ status: 'pending', attempts: 0, history: null });
    expect(settled[1]!.history).toMatchObject({ status: 'cancelled' });
    for (const s of settled) expect(s.maxAttempts).toBeUndefined();
  });
});
