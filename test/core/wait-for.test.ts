/**
 * waitFor's reader (src/core/wait-for.ts JobWatch) against a scripted store: what it reads together, when it
 * reads again, and what ends a wait. Pauses are an hour long here: nothing waits on a timer, every step is driven
 * by a wake-up, an abort, or the first read (due at once).
 */
import { describe, expect, it } from 'vitest';
import { JobNotFoundError, WaitTimeoutError } from '../../src/core/errors.js';
import type { JobRecord } from '../../src/core/store.js';
import type { JobStatus } from '../../src/core/types.js';
import { JobWatch, pollDelay, READ_CHUNK } from '../../src/core/wait-for.js';

const HOUR = 3_600_000;

/** A store of statuses by id (absent: no such job), and every read it was asked for. */
function scripted(initial: Record<string, JobStatus>) {
  const statuses = new Map(Object.entries(initial));
  const reads: string[][] = [];
  let failWith: Error | null = null;
  const read = async (ids: string[]): Promise<JobRecord[]> => {
    reads.push(ids);
    if (failWith) throw failWith;
    return ids.filter((id) => statuses.has(id)).map((id) => ({ id, status: statuses.get(id)! }) as JobRecord);
  };
  return { read, reads, statuses, fail: (error: Error) => (failWith = error) };
}

/** Resolves once `check` holds, yielding to the event loop between looks (no timer of its own). */
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

describe('JobWatch', () => {
  it('answers a job that has already finished after one read', async () => {
    const store = scripted({ '7': 'failed' });
    const watch = new JobWatch(store.read);
    expect((await watch.wait('7', { timeoutMs: null })).status).toBe('failed');
    expect(store.reads).toEqual([['7']]);
    expect(watch.size).toBe(0);
  });

  it('reads the jobs of every wait together, each once, in chunks', async () => {
    const ids = Array.from({ length: READ_CHUNK + 10 }, (_, i) => String(i + 1));
    const store = scripted(Object.fromEntries(ids.map((id) => [id, 'completed' as JobStatus])));
    const watch = new JobWatch(store.read);
    const jobs = await Promise.all([...ids, '1', '2'].map((id) => watch.wait(id, { timeoutMs: null })));
    expect(jobs.map((j) => j.id)).toEqual([...ids, '1', '2']);
    expect(store.reads.map((r) => r.length)).toEqual([READ_CHUNK, 10]);
  });

  it('reads a job again when this process sees it end, not at the next poll', async () => {
    const store = scripted({ '7': 'pending', '8': 'pending' });
    const watch = new JobWatch(store.read, () => HOUR);
    const done = watch.wait('7', { timeoutMs: null });
    const other = watch.wait('8', { timeoutMs: 5 * HOUR });
    await until(() => store.reads.length === 1);
    store.statuses.set('7', 'running');
    watch.wake('9'); // no wait for it: nothing is read
    watch.wake('7');
    await until(() => store.reads.length === 2);
    expect(store.reads[1]).toEqual(['7']);
    store.statuses.set('7', 'completed');
    watch.wake('7');
    expect((await done).status).toBe('completed');
    expect(store.reads).toEqual([['7', '8'], ['7'], ['7']]);
    expect(watch.size).toBe(1);
    store.statuses.set('8', 'cancelled');
    watch.wake('8');
    expect((await other).status).toBe('cancelled');
  });

  it('ends the wait for a repeating job with its next run, whatever its outcome', async () => {
    const repeat = { every: 60_000 };
    let record = { id: '7', status: 'pending', repeat, lastFinishedAt: null } as unknown as JobRecord;
    const reads: number[] = [];
    let clock = 500; // the scheduler's clock, which writes lastFinishedAt
    const watch = new JobWatch(async () => (reads.push(1), [record]), () => HOUR, () => clock);
    const done = watch.wait('7', { timeoutMs: null });
    await until(() => reads.length === 1);
    record = { ...record, status: 'running' };
    watch.wake('7');
    await until(() => reads.length === 2);
    expect(watch.size).toBe(1);
    record = { ...record, status: 'pending', lastFinishedAt: 1_000, lastError: 'boom' } as JobRecord;
    watch.wake('7');
    expect(await done).toMatchObject({ status: 'pending', lastFinishedAt: 1_000, lastError: 'boom' });
    // A wait begun after that run waits for the next one.
    clock = 2_000;
    const next = watch.wait('7', { timeoutMs: null });
    await until(() => reads.length === 4);
    expect(watch.size).toBe(1);
    record = { ...record, lastFinishedAt: 61_000, lastError: null } as JobRecord;
    watch.wake('7');
    expect(await next).toMatchObject({ lastFinishedAt: 61_000, lastError: null });
    // A run that ended after the call but before its first read came back ends the wait too (by the clock).
    clock = 70_000;
    record = { ...record, lastFinishedAt: 70_005 } as JobRecord;
    expect(await watch.wait('7', { timeoutMs: null })).toMatchObject({ lastFinishedAt: record.lastFinishedAt });
  });

  it('gives up after the timeout with the status it last saw', async () => {
    const store = scripted({ '7': 'running' });
    const watch = new JobWatch(store.read);
    const error = await watch.wait('7', { timeoutMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: 'WAIT_TIMEOUT', jobId: '7', status: 'running' });
  });

  it('fails with JobNotFoundError when the job is missing, or removed while it waits', async () => {
    const store = scripted({ '7': 'pending' });
    const watch = new JobWatch(store.read, () => HOUR);
    await expect(watch.wait('6', { timeoutMs: null })).rejects.toBeInstanceOf(JobNotFoundError);
    const done = watch.wait('7', { timeoutMs: null });
    await until(() => store.reads.length === 2);
    store.statuses.delete('7');
    watch.wake('7');
    await expect(done).rejects.toMatchObject({ code: 'JOB_NOT_FOUND', jobId: '7' });
  });

  it('fails the waits a read was for with its error', async () => {
    const store = scripted({ '7': 'pending' });
    const watch = new JobWatch(store.read, () => HOUR);
    const done = watch.wait('7', { timeoutMs: null });
    await until(() => store.reads.length === 1);
    store.fail(new Error('store down'));
    watch.wake('7');
    await expect(done).rejects.toThrow('store down');
    expect(watch.size).toBe(0);
  });

  it('stops a wait when its signal aborts, with the signal’s reason, and leaves the others', async () => {
    const store = scripted({ '7': 'pending' });
    const watch = new JobWatch(store.read, () => HOUR);
    const controller = new AbortController();
    const aborted = watch.wait('7', { timeoutMs: null, signal: controller.signal });
    const kept = watch.wait('7', { timeoutMs: null });
    await until(() => store.reads.length === 1);
    const reason = new Error('no longer needed');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(watch.size).toBe(1);
    await expect(watch.wait('7', { timeoutMs: null, signal: AbortSignal.abort(new Error('before')) })).rejects.toThrow('before');
    store.statuses.set('7', 'completed');
    watch.wake('7');
    expect((await kept).status).toBe('completed');
  });
});
