/**
 * scheduler.waitFor(id) on every store: a process that does not run the job (its own scheduler on its own store
 * connection, no handler started) hears how it ended, whichever way it ends, and gives up, is told the job is
 * gone, or stops waiting as asked.
 */
import { describe, expect, it } from 'vitest';
import { JobNotFoundError, ValidationError, WaitTimeoutError } from '../../src/core/errors.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';

export async function describeWaitFor(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: waitFor`, () => {
    const h = useHarness(factory);

    /** A worker, and a producer on a store connection of its own that never runs a job. */
    async function pair() {
      const worker = await h.scheduler();
      const producer = await h.scheduler();
      return { worker, producer };
    }

    it('gives another process the job once it completed, with its result', async () => {
      const { worker, producer } = await pair();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      worker.define('resize', async (job) => {
        await gate;
        return { width: (job.data as { width: number }).width / 2 };
      });
      await worker.start();
      const job = await producer.now('resize', { width: 640 });
      const waiting = producer.waitFor(job.id);
      await waitUntil(async () => (await producer.getJob(job.id))!.status === 'running');
      release();
      const done = await waiting;
      expect(done).toMatchObject({ id: job.id, status: 'completed', result: { width: 320 } });
      expect(done.lastFinishedAt).toBeInstanceOf(Date);
    });

    it('waits through retries and answers the final failure', async () => {
      const { worker, producer } = await pair();
      worker.define('flaky', async (job) => {
        throw new Error(`no luck on attempt ${job.attempts}`);
      }, { attempts: 3, backoff: { type: 'fixed', delay: 20 } });
      await worker.start();
      const job = await producer.now('flaky');
      const done = await producer.waitFor(job.id, { timeout: '20s' });
      expect(done).toMatchObject({ status: 'failed', attempts: 3, lastError: 'no luck on attempt 3' });
      expect(await producer.history(job.id)).toHaveLength(3);
    });

    it('answers a job cancelled by another process, and one that had finished before the call', async () => {
      const { worker, producer } = await pair();
      worker.define('later', async () => undefined);
      const job = await producer.schedule('in 1 hour', 'later');
      const waiting = producer.waitFor(job.id);
      await worker.cancel(job.id);
      expect(await waiting).toMatchObject({ id: job.id, status: 'cancelled' });
      expect((await producer.waitFor(job.id, { timeout: 0 })).status).toBe('cancelled');
    });

    it('ends the wait for a repeating job with its next run: waitFor(), then trigger(), waits for a run now', async () => {
      const { worker, producer } = await pair();
      let runs = 0;
      worker.define('nightly', async () => {
        runs++;
        if (runs === 2) throw new Error('second run fails');
        return { run: runs };
      }, { attempts: 1 });
      await worker.start();
      const job = await producer.every('0 3 * * *', 'nightly', null);
      const waiting = producer.waitFor(job.id, { timeout: '20s' });
      await producer.trigger(job.id);
      const first = await waiting;
      expect(first).toMatchObject({ id: job.id, status: 'pending', lastError: null });
      expect(first.lastFinishedAt).toBeInstanceOf(Date);
      const again = producer.waitFor(job.id, { timeout: '20s' });
      await producer.trigger(job.id);
      const second = await again;
      expect(second).toMatchObject({ status: 'pending', lastError: 'second run fails' });
      expect(second.lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(first.lastFinishedAt!.getTime());
      expect(await producer.history(job.id)).toHaveLength(2);
    });

    it('tells a repeating job\'s next run from its last by the scheduler\'s clock (the now option), not this machine\'s', async () => {
      // A clock a day ahead: the last run's lastFinishedAt is later than the call by Date.now(), yet it is not a
      // run that ended after the call.
      const now = () => Date.now() + 86_400_000;
      const worker = await h.scheduler({ now });
      const producer = await h.scheduler({ now });
      worker.define('hourly', async () => 'ran', { attempts: 1 });
      await worker.start();
      const job = await producer.every('1 hour', 'hourly', null);
      const waiting = producer.waitFor(job.id, { timeout: '20s' });
      await producer.trigger(job.id);
      const first = await waiting;
      expect(first.lastFinishedAt).toBeInstanceOf(Date);
      await expect(producer.waitFor(job.id, { timeout: 300 })).rejects.toBeInstanceOf(WaitTimeoutError);
      const next = producer.waitFor(job.id, { timeout: '20s' });
      await producer.trigger(job.id);
      expect((await next).lastFinishedAt!.getTime()).toBeGreaterThanOrEqual(first.lastFinishedAt!.getTime());
      expect(await producer.history(job.id)).toHaveLength(2);
    });

    it('wakes at once when its own process runs the job', async () => {
      const s = await h.scheduler();
      s.define('quick', async () => 'done');
      await s.start();
      const job = await s.now('quick');
      expect(await s.waitFor(job.id)).toMatchObject({ status: 'completed', result: 'done' });
    });

    it('gives up after its timeout with the status it saw, and leaves the job alone', async () => {
      const { producer } = await pair();
      producer.define('idle', async () => undefined);
      const job = await producer.now('idle');
      const started = Date.now();
      const error = await producer.waitFor(job.id, { timeout: 150 }).catch((e: unknown) => e);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(error).toBeInstanceOf(WaitTimeoutError);
      expect(error).toMatchObject({ code: 'WAIT_TIMEOUT', jobId: job.id, status: 'pending' });
      expect((await producer.getJob(job.id))!.status).toBe('pending');
    });

    it('says when the job does not exist or is removed while it waits', async () => {
      const { worker, producer } = await pair();
      producer.define('gone', async () => undefined);
      await expect(producer.waitFor('123456789')).rejects.toBeInstanceOf(JobNotFoundError);
      const job = await producer.schedule('in 1 hour', 'gone');
      const waiting = producer.waitFor(job.id);
      await worker.remove(job.id);
      await expect(waiting).rejects.toMatchObject({ code: 'JOB_NOT_FOUND', jobId: job.id });
    });

    it('stops waiting when its signal aborts', async () => {
      const { producer } = await pair();
      producer.define('slow', async () => undefined);
      const job = await producer.schedule('in 1 hour', 'slow');
      const controller = new AbortController();
      const waiting = producer.waitFor(job.id, { signal: controller.signal });
      controller.abort(new Error('the request went away'));
      await expect(waiting).rejects.toThrow('the request went away');
    });

    it('fails a pending wait with SchedulerClosedError when its scheduler closes', async () => {
      const { producer } = await pair();
      producer.define('later', async () => undefined);
      const job = await producer.schedule('in 1 hour', 'later');
      const waiting = producer.waitFor(job.id);
      await producer.close();
      await expect(waiting).rejects.toMatchObject({ code: 'SCHEDULER_CLOSED' });
      await expect(producer.waitFor(job.id)).rejects.toMatchObject({ code: 'SCHEDULER_CLOSED' });
    });

    it('refuses bad options with a typed error naming the field', async () => {
      const { producer } = await pair();
      await expect(producer.waitFor({} as unknown as string)).rejects.toMatchObject({ field: 'id' });
      await expect(producer.waitFor('1', { timeout: 'soon' })).rejects.toMatchObject({ code: 'INVALID_DURATION', field: 'options.timeout' });
      await expect(producer.waitFor('1', { signal: 'stop' as unknown as AbortSignal })).rejects.toBeInstanceOf(ValidationError);
      await expect(producer.waitFor('1', { tiemout: 5 } as never)).rejects.toMatchObject({ field: 'options.tiemout' });
    });
  });
}
