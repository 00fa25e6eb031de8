/**
 * waitFor's loop (src/core/wait-for.ts) against a scripted read: when it reads again, what ends it, and that this
 * process's own sighting of the job's end cuts a pause short. Pauses are an hour long here: nothing waits on a
 * timer, every step is driven by a wake-up or an abort.
 */
import { describe, expect, it } from 'vitest';
import { JobNotFoundError, WaitTimeoutError } from '../../src/core/errors.js';
import type { JobRecord } from '../../src/core/store.js';
import type { JobStatus } from '../../src/core/types.js';
import { JobWaiters, pollDelay, waitUntilFinished } from '../../src/core/wait-for.js';

const HOUR = 3_600_000;

function record(status: JobStatus): JobRecord {
  return { id: '7', status } as JobRecord;
}

/** A read that answers `statuses` in turn (null: the job is gone), counting its calls. */
function scripted(...statuses: (JobStatus | null)[]) {
  const reads = { count: 0 };
  const read = async () => {
    const status = statuses[Math.min(reads.count++, statuses.length - 1)];
    return status === null ? null : record(status!);
  };
  return { read, reads };
}

/** Resolves once `check` holds, yielding to the event loop between looks (no timer). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}

describe('pollDelay', () => {
  it('reads soon at first, then every 250 ms, then every second after 30 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 20].map((round) => pollDelay(round, 0))).toEqual([10, 20, 40, 80, 160, 250, 250, 250]);
    expect(pollDelay(3, 29_999)).toBe(80);
    expect(pollDelay(3, 30_000)).toBe(1_000);
  });
});

describe('waitUntilFinished', () => {
  it('answers a job that has already finished after one read', async () => {
    const { read, reads } = scripted('failed');
    const job = await waitUntilFinished({ id: '7', timeoutMs: null, signal: undefined, read, waiters: new JobWaiters() });
    expect(job.status).toBe('failed');
    expect(reads.count).toBe(1);
  });

  it('reads again when this process sees the job end, not at the next poll', async () => {
    const { read, reads } = scripted('pending', 'running', 'completed');
    const waiters = new JobWaiters();
    const done = waitUntilFinished({ id: '7', timeoutMs: null, signal: undefined, read, waiters, delay: () => HOUR });
    await until(() => reads.count === 1 && waiters.size === 1);
    waiters.wake('8'); // another job: nothing happens
    await until(() => reads.count === 1);
    waiters.wake('7');
    await until(() => reads.count === 2 && waiters.size === 1);
    waiters.wake('7');
    expect((await done).status).toBe('completed');
    expect(reads.count).toBe(3);
    expect(waiters.size).toBe(0);
  });

  it('gives up after the timeout with the status it last saw', async () => {
    const { read } = scripted('running');
    const error = await waitUntilFinished({ id: '7', timeoutMs: 0, signal: undefined, read, waiters: new JobWaiters() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: 'WAIT_TIMEOUT', jobId: '7', status: 'running' });
  });

  it('fails with JobNotFoundError when the job is missing or removed while it waits', async () => {
    const gone = scripted(null);
    await expect(waitUntilFinished({ id: '7', timeoutMs: null, signal: undefined, read: gone.read, waiters: new JobWaiters() })).rejects.toBeInstanceOf(JobNotFoundError);
    const removed = scripted('pending', null);
    const waiters = new JobWaiters();
    const done = waitUntilFinished({ id: '7', timeoutMs: null, signal: undefined, read: removed.read, waiters, delay: () => HOUR });
    await until(() => waiters.size === 1);
    waiters.wake('7');
    await expect(done).rejects.toMatchObject({ code: 'JOB_NOT_FOUND', jobId: '7' });
  });

  it('stops when its signal aborts, with the signal’s reason, and forgets its wait', async () => {
    const { read } = scripted('pending');
    const waiters = new JobWaiters();
    const controller = new AbortController();
    const done = waitUntilFinished({ id: '7', timeoutMs: null, signal: controller.signal, read, waiters, delay: () => HOUR });
    await until(() => waiters.size === 1);
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await expect(done).rejects.toBe(reason);
    expect(waiters.size).toBe(0);
    const aborted = AbortSignal.abort(new Error('before'));
    await expect(waitUntilFinished({ id: '7', timeoutMs: null, signal: aborted, read, waiters })).rejects.toThrow('before');
  });

  it('keeps several waits of one job apart: each is woken, each forgets only itself', async () => {
    const waiters = new JobWaiters();
    const woken: string[] = [];
    const forgetA = waiters.add('7', () => woken.push('a'));
    waiters.add('7', () => woken.push('b'));
    waiters.wake('7');
    forgetA();
    waiters.wake('7');
    expect(woken).toEqual(['a', 'b', 'b']);
    expect(waiters.size).toBe(1);
  });
});
