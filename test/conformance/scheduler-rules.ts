/**
 * Where the stores used to differ (issue "One set of rules"): each test here failed on at least one store
 * before the rules were written once. Every store runs this file unchanged.
 */
import { describe, expect, it } from 'vitest';
import { DedupeConflictError, SchedulerClosedError } from '../../src/core/errors.js';
import type { Job } from '../../src/core/types.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';

/** Keys in an order no sorted or hashed layout would keep; integer-like keys are ordered by JS itself. */
const DATA = { zeta: 1, beta: { yankee: [3, { delta: true, alpha: null }], alpha: 'x' }, '10': 'ten', '2': 'two', mid: 'ü €' };

export async function describeSchedulerRules(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: one set of rules`, () => {
    const h = useHarness(factory);

    it('gives data, results and progress back exactly as given, key order included', async () => {
      const s = await h.scheduler();
      const text = JSON.stringify(DATA);
      let seen = '';
      s.define('echo', async (job, ctx) => {
        seen = JSON.stringify(job.data);
        await ctx.progress({ zulu: 1, alpha: 2 });
        return { zz: job.data, aa: 1 };
      });
      const job = await s.now('echo', DATA);
      expect(JSON.stringify(job.data)).toBe(text);
      expect(JSON.stringify((await s.getJob(job.id))!.data)).toBe(text);
      expect(JSON.stringify((await s.listJobs({ name: 'echo' }))[0]!.data)).toBe(text);
      await s.start();
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'completed');
      expect(seen).toBe(text);
      const done = (await s.getJob(job.id))!;
      expect(JSON.stringify(done.result)).toBe(JSON.stringify({ zz: DATA, aa: 1 }));
      expect(JSON.stringify(done.progress)).toBe('{"zulu":1,"alpha":2}');
      expect(JSON.stringify((await s.history(job.id))[0]!.result)).toBe(JSON.stringify({ zz: DATA, aa: 1 }));
    });

    it('stays usable as a producer and reader after stop(), runs jobs again after start(), and refuses every call after close()', async () => {
      const s = await h.scheduler();
      s.define('work', async (job) => job.data);
      await s.start();
      const first = await s.now('work', 1);
      await waitUntil(async () => (await s.getJob(first.id))!.status === 'completed');
      await s.stop();
      expect((await s.getJob(first.id))!.status).toBe('completed');
      expect((await s.listJobs({ name: 'work' })).map((j) => j.id)).toEqual([first.id]);
      expect(await s.history(first.id)).toHaveLength(1);
      const second = await s.now('work', 2);
      expect((await s.getJob(second.id))!.status).toBe('pending');
      await s.start();
      await waitUntil(async () => (await s.getJob(second.id))!.status === 'completed');
      await s.close();
      await expect(s.getJob(first.id)).rejects.toBeInstanceOf(SchedulerClosedError);
      await expect(s.now('work')).rejects.toMatchObject({ code: 'SCHEDULER_CLOSED' });
      await s.close(); // a second close is a no-op
    });

    it('refuses to trigger a finished job while another live job holds its dedupe key, changing nothing', async () => {
      const s = await h.scheduler();
      s.define('report', async () => 'done');
      await s.start();
      const old = await s.now('report', null, { dedupeKey: 'daily' });
      await waitUntil(async () => (await s.getJob(old.id))!.status === 'completed');
      await s.stop();
      const holder = await s.schedule('in 1 hour', 'report', null, { dedupeKey: 'daily' });
      expect(holder.id).not.toBe(old.id);
      const error = await s.trigger(old.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DedupeConflictError);
      expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', holderId: holder.id, dedupeKey: 'daily', jobId: old.id });
      expect((await s.getJob(old.id))!.status).toBe('completed');
      const live = await s.listJobs({ status: ['pending', 'running'] });
      expect(live.filter((j) => j.dedupeKey === 'daily').map((j) => j.id)).toEqual([holder.id]);
      // Once the holder is gone, the old job may run again.
      await s.cancel(holder.id);
      expect((await s.trigger(old.id))!.status).toBe('pending');
    });

    it('requeueFailed sends back every failed job it can and skips one whose dedupe key is held', async () => {
      const s = await h.scheduler();
      s.define('flaky', async () => {
        throw new Error('no');
      });
      await s.start();
      const a = await s.now('flaky', 'a', { dedupeKey: 'A' });
      const b = await s.now('flaky', 'b');
      await waitUntil(async () => (await s.countJobs('flaky', ['failed'])).failed === 2);
      await s.stop();
      const holder = await s.schedule('in 1 hour', 'flaky', 'a2', { dedupeKey: 'A' });
      expect(await s.requeueFailed('flaky')).toBe(1);
      expect((await s.getJob(a.id))!.status).toBe('failed');
      expect((await s.getJob(b.id))!.status).toBe('pending');
      expect((await s.getJob(holder.id))!.status).toBe('pending');
    });

    it('calls a once() listener once and then removes it', async () => {
      const s = await h.scheduler();
      s.define('twice', async () => 'ok');
      const calls: string[] = [];
      s.once('job:success', (job: Job) => calls.push(job.id));
      // Every success, heard by a listener that stays: the store may show both jobs completed a moment before
      // their settle's answer reaches this process and the events are emitted, so wait for the events.
      let successes = 0;
      s.on('job:success', () => successes++);
      await s.start();
      const a = await s.now('twice');
      const b = await s.now('twice');
      await waitUntil(() => successes === 2);
      expect(calls).toHaveLength(1);
      expect([a.id, b.id]).toContain(calls[0]);
      expect(s.listenerCount('job:success')).toBe(1);
    });

    it('keeps the stack of a failure on the job and in its history, and clears it on success', async () => {
      const s = await h.scheduler();
      let runs = 0;
      s.define(
        'fragile',
        async function fragileHandler() {
          runs++;
          if (runs === 1) throw new TypeError('bad input from upstream');
          return 'fine';
        },
        { attempts: 2, backoff: { type: 'fixed', delay: 0 } },
      );
      let failed: Job | null = null;
      s.on('job:fail', ({ job }) => (failed = job));
      await s.start();
      const job = await s.now('fragile');
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'completed');
      expect(failed!.lastError).toBe('bad input from upstream');
      expect(failed!.lastErrorStack).toMatch(/^TypeError: bad input from upstream\n\s+at (\S+\.)?fragileHandler/);
      const history = await s.history(job.id);
      expect(history.map((r) => r.status)).toEqual(['failed', 'completed']);
      expect(history[0]!.error).toBe('bad input from upstream');
      expect(history[0]!.stack).toBe(failed!.lastErrorStack);
      expect(history[1]!.stack).toBeNull();
      const done = (await s.getJob(job.id))!;
      expect(done.lastError).toBeNull();
      expect(done.lastErrorStack).toBeNull();
    });

    it('records a failure whose message holds a NUL character or a lone surrogate (each stored as U+FFFD) instead of refusing it', async () => {
      const s = await h.scheduler();
      s.define('nul', async () => {
        throw new Error('bad \u0000 byte, half \ud800 a pair');
      });
      await s.start();
      const job = await s.now('nul');
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'failed');
      const failed = await s.getJob(job.id);
      expect(failed!.lastError).toBe('bad \uFFFD byte, half \uFFFD a pair');
      expect(failed!.lastErrorStack).toContain('half \uFFFD a pair');
      expect((await s.history(job.id)).map((r) => r.error)).toEqual(['bad \uFFFD byte, half \uFFFD a pair']);
    });

    it('refuses names, keys, labels and groups no store can give back unchanged (U+0000, a lone surrogate), naming the field', async () => {
      const s = await h.scheduler();
      const refusals: [() => Promise<unknown>, string, string][] = [
        [() => s.now('a\u0000b'), 'name', 'U+0000'],
        [() => s.now('a\ud800b'), 'name', 'lone UTF-16 surrogate'],
        [() => s.now('n', {}, { dedupeKey: 'k\udc00' }), 'options.dedupeKey', 'lone UTF-16 surrogate'],
        [() => s.now('n', {}, { label: 'l\u0000' }), 'options.label', 'U+0000'],
        [() => s.now('n', {}, { group: 'g\u0000' }), 'options.group', 'U+0000'],
        [() => s.every('1 minute', 'r', {}, { key: 'k\u0000' }), 'options.key', 'U+0000'],
        [() => s.listJobs({ name: 'a\u0000' }), 'filter.name', 'U+0000'],
        [() => s.listJobs({ text: 'a\ud800' }), 'filter.text', 'lone UTF-16 surrogate'],
        [() => s.sendEvent('e\u0000'), 'name', 'U+0000'],
        [() => s.pause('p\ud800'), 'name', 'lone UTF-16 surrogate'],
      ];
      for (const [call, field, reason] of refusals) {
        const error = await call().then(() => null, (e: unknown) => e);
        expect(error, field).toMatchObject({ code: 'INVALID_ARGUMENT', field });
        expect((error as Error).message).toContain(reason);
      }
      expect(await s.listJobs()).toEqual([]);
      // Data, results and event payloads are JSON: they keep both characters, escaped, on every store.
      const job = await s.now('n', { text: 'x\u0000\ud800y' });
      expect((await s.getJob(job.id))!.data).toEqual({ text: 'x\u0000\ud800y' });
    });

    it('refuses numbers no store keeps (a priority or attempts beyond 32 bits, a timer longer than Node waits, an offset beyond 32 bits), naming the field', async () => {
      const s = await h.scheduler();
      const refusals: [() => Promise<unknown>, string, string][] = [
        [() => s.now('n', {}, { priority: 2 ** 31 }), 'options.priority', 'INVALID_PRIORITY'],
        [() => s.now('n', {}, { priority: -(2 ** 31) - 1 }), 'options.priority', 'INVALID_PRIORITY'],
        [() => s.now('n', {}, { attempts: 2 ** 31 }), 'options.attempts', 'INVALID_ARGUMENT'],
        [() => s.now('n', {}, { timeout: 2 ** 31 }), 'options.timeout', 'INVALID_DURATION'],
        [() => s.listJobs({ offset: 2 ** 53 - 1 }), 'filter.offset', 'INVALID_ARGUMENT'],
      ];
      for (const [call, field, code] of refusals) {
        const error = await call().then(() => null, (e: unknown) => e);
        expect(error, field).toMatchObject({ code, field });
      }
      expect(() => s.define('long', async () => null, { timeout: '30 days' })).toThrow(/options\.timeout: must be at most 2147483647 ms/);
      // The bounds themselves are kept as given.
      const edge = await s.now('n', {}, { priority: 2 ** 31 - 1, attempts: 2 ** 31 - 1 });
      expect(await s.getJob(edge.id)).toMatchObject({ priority: 2 ** 31 - 1, maxAttempts: 2 ** 31 - 1 });
      expect(await s.listJobs({ offset: 2 ** 31 - 1 })).toEqual([]);
    });

    it('runs a job whose timeout is the longest a timer takes, without timing it out at once', async () => {
      const s = await h.scheduler();
      s.define('patient', async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return 'done';
      }, { timeout: 2 ** 31 - 1 });
      await s.start();
      const job = await s.now('patient');
      await waitUntil(async () => (await s.getJob(job.id))!.status === 'completed');
    });

    it("answers no job for an id spelled otherwise than the job's own ('007' is not job 7)", async () => {
      const s = await h.scheduler();
      const job = await s.now('n');
      const padded = `00${job.id}`;
      expect(await s.getJob(padded)).toBeNull();
      expect(await s.cancel(padded)).toBeNull();
      expect(await s.remove(padded)).toBe(false);
      expect(await s.getJob(job.id)).toMatchObject({ status: 'pending' });
    });

    it('shows every reader the maxAttempts a job ran under, whatever the reader defines', async () => {
      const worker = await h.scheduler();
      worker.define('retrying', async () => {
        throw new Error('always');
      }, { attempts: 3, backoff: { type: 'fixed', delay: 60_000 } });
      // A producer that does not define the name stores no maxAttempts; the first run writes the one it used.
      const producer = await h.scheduler();
      const job = await producer.now('retrying');
      await worker.start();
      await waitUntil(async () => (await worker.getJob(job.id))!.attempts === 1 && (await worker.getJob(job.id))!.status === 'pending');
      const reader = await h.scheduler({ defaults: { attempts: 1 } });
      expect((await reader.getJob(job.id))!.maxAttempts).toBe(3);
      expect((await reader.listJobs({ name: 'retrying' }))[0]!.maxAttempts).toBe(3);
      // A producer that defines the name stores its definition's value at once.
      const defined = await worker.now('retrying');
      expect((await reader.getJob(defined.id))!.maxAttempts).toBe(3);
    });
  });
}
