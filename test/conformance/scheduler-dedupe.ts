/**
 * The dedupe modes (issue 14: JobOptions.dedupeFor; src/core/rules/dedupe.ts) through the public API, on every
 * store. The clock is the scheduler's `now` option, moved by hand: periods end without waiting.
 */
import { describe, expect, it } from 'vitest';
import { DedupeConflictError, ValidationError } from '../../src/core/errors.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';

const MINUTE = 60_000;

export async function describeSchedulerDedupe(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: dedupe modes`, () => {
    const h = useHarness(factory);
    /** A scheduler whose clock moves only when the test says so. */
    const clocked = async () => {
      const clock = { t: Date.UTC(2030, 0, 1) };
      const s = await h.scheduler({ now: () => clock.t });
      return { s, clock };
    };

    it('dedupeFor keeps the key taken for that long after creation, even after the job finished (throttle)', async () => {
      const { s, clock } = await clocked();
      s.define('digest', async (job) => job.data);
      const first = await s.now('digest', 'first', { dedupeKey: 'user:1', dedupeFor: '10m' });
      expect(first.dedupeUntil).toEqual(new Date(clock.t + 10 * MINUTE));
      await s.start();
      await waitUntil(async () => (await s.getJob(first.id))!.status === 'completed');
      await s.stop();

      // Within the period: the holder comes back, whatever its status, and nothing is added.
      clock.t += 9 * MINUTE;
      const again = await s.now('digest', 'second', { dedupeKey: 'user:1', dedupeFor: '10m' });
      expect(again).toMatchObject({ id: first.id, status: 'completed', data: 'first' });
      // A plain dedupeKey honours the period too: the key is taken, whoever asks.
      expect((await s.schedule({ name: 'digest', data: 'third', dedupeKey: 'user:1' })).id).toBe(first.id);
      // So does each element of scheduleBulk, where another key is free.
      const [held, other] = await s.scheduleBulk([
        { name: 'digest', data: 'fourth', dedupeKey: 'user:1', dedupeFor: '10m' },
        { name: 'digest', data: 'other', dedupeKey: 'user:2', dedupeFor: '10m' },
      ]);
      expect(held!.id).toBe(first.id);
      expect(other!.id).not.toBe(first.id);

      // The period is over: a new job takes the key; the old one keeps it for the record but blocks nothing.
      clock.t += MINUTE;
      const next = await s.now('digest', 'fifth', { dedupeKey: 'user:1', dedupeFor: '10m' });
      expect(next.id).not.toBe(first.id);
      expect(next).toMatchObject({ status: 'pending', data: 'fifth', dedupeKey: 'user:1' });
      expect((await s.getJob(first.id))!).toMatchObject({ status: 'completed', dedupeKey: 'user:1' });
      expect(await s.countJobs('digest')).toMatchObject({ pending: 2, completed: 1 });
    });

    it('the classic rule still holds beside dedupeFor: a live job keeps its key past its period', async () => {
      const { s, clock } = await clocked();
      const job = await s.schedule('in 1 hour', 'slow', null, { dedupeKey: 'k', dedupeFor: '1m' });
      clock.t += 5 * MINUTE;
      // Still pending, so still the holder though its period ended.
      expect((await s.now('slow', null, { dedupeKey: 'k', dedupeFor: '1m' })).id).toBe(job.id);
      await s.cancel(job.id);
      // Cancelled and past its period: the key is free.
      expect((await s.now('slow', null, { dedupeKey: 'k' })).id).not.toBe(job.id);
    });

    it('trigger re-runs the period holder itself, and refuses to revive another job of the key while the period runs', async () => {
      const { s, clock } = await clocked();
      s.define('report', async () => 'done');
      await s.start();
      const old = await s.now('report', 'old', { dedupeKey: 'daily' });
      await waitUntil(async () => (await s.getJob(old.id))!.status === 'completed');
      const holder = await s.now('report', 'holder', { dedupeKey: 'daily', dedupeFor: '1h' });
      await waitUntil(async () => (await s.getJob(holder.id))!.status === 'completed');
      await s.stop();

      const error = await s.trigger(old.id).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DedupeConflictError);
      expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', holderId: holder.id, jobId: old.id, dedupeKey: 'daily' });
      expect((await s.getJob(old.id))!.status).toBe('completed');

      // The holder is the key's one job: it runs again, and no second holder appears.
      const rerun = (await s.trigger(holder.id))!;
      expect(rerun).toMatchObject({ id: holder.id, status: 'pending', attempts: 0 });
      expect(rerun.dedupeUntil).toEqual(holder.dedupeUntil);
      expect((await s.now('report', 'new', { dedupeKey: 'daily' })).id).toBe(holder.id);

      // Once the holder has finished and its period is over, the old job may run again.
      await s.cancel(holder.id);
      clock.t += 2 * 60 * MINUTE;
      expect((await s.trigger(old.id))!.status).toBe('pending');
    });

    it('refuses a bad dedupeFor with a typed error naming the field, storing nothing', async () => {
      const s = await h.scheduler();
      const bad: [() => Promise<unknown>, string, string][] = [
        [() => s.now('x', null, { dedupeFor: '10m' }), 'options.dedupeFor', 'INVALID_ARGUMENT'],
        [() => s.now('x', null, { dedupeKey: 'k', dedupeFor: 'soon' }), 'options.dedupeFor', 'INVALID_DURATION'],
        [() => s.now('x', null, { dedupeKey: 'k', dedupeFor: 0 }), 'options.dedupeFor', 'INVALID_DURATION'],
        [() => s.schedule({ name: 'x', dedupeKey: 'k', dedupeFor: -5 }), 'spec.dedupeFor', 'INVALID_DURATION'],
        [() => s.scheduleBulk([{ name: 'x', dedupeFor: '1m' }]), 'specs[0].dedupeFor', 'INVALID_ARGUMENT'],
        [() => s.every('5m', 'x', null, { dedupeKey: 'k', dedupeFor: '1m' }), 'options.dedupeFor', 'INVALID_ARGUMENT'],
        [() => s.schedule({ name: 'x', repeat: { every: '5m' }, dedupeKey: 'k', dedupeFor: '1m' }), 'spec.dedupeFor', 'INVALID_ARGUMENT'],
      ];
      for (const [call, field, code] of bad) {
        const error = await call().catch((e: unknown) => e);
        expect(error, field).toBeInstanceOf(ValidationError);
        expect(error, field).toMatchObject({ field, code });
      }
      expect(await s.listJobs({})).toEqual([]);
    });
  
    describe('replace', () => {
      it('debounces: a pending holder takes the last call\'s data, due time and priority, keeping its id', async () => {
        const { s, clock } = await clocked();
        const first = await s.schedule({ name: 'save', data: { v: 1 }, dedupeKey: 'doc:7', replace: true, delay: '5s' });
        clock.t += 1000;
        const second = await s.schedule({ name: 'save', data: { v: 2 }, dedupeKey: 'doc:7', replace: true, delay: '5s', priority: 'high' });
        clock.t += 1000;
        const third = await s.schedule('save', { v: 3 }, { dedupeKey: 'doc:7', replace: true, delay: '5s' });
        expect([second.id, third.id]).toEqual([first.id, first.id]);
        expect(third).toMatchObject({ status: 'pending', data: { v: 3 }, priority: 0, nextRunAt: new Date(clock.t + 5000) });
        // Without replace, the holder comes back unchanged, as always.
        expect(await s.now('save', { v: 4 }, { dedupeKey: 'doc:7' })).toMatchObject({ id: first.id, data: { v: 3 } });
        expect(await s.countJobs('save')).toMatchObject({ pending: 1 });
      });

      it('queues a newcomer behind a running holder: it runs after it, never beside it, with the last data', async () => {
        const s = await h.scheduler({ concurrency: 4 });
        let running = 0;
        let most = 0;
        const seen: unknown[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        s.define('sync', async (job) => {
          running++;
          most = Math.max(most, running);
          seen.push(job.data);
          if ((job.data as { v: number }).v === 1) await gate;
          running--;
        });
        await s.start();
        const first = await s.now('sync', { v: 1 }, { dedupeKey: 'acct:1', replace: true });
        await waitUntil(async () => (await s.getJob(first.id))!.status === 'running');
        const newcomer = await s.now('sync', { v: 2 }, { dedupeKey: 'acct:1', replace: true });
        expect(newcomer.id).not.toBe(first.id);
        expect(newcomer.status).toBe('pending');
        // A second call while the run goes on replaces the newcomer: only one waits.
        const again = await s.now('sync', { v: 3 }, { dedupeKey: 'acct:1', replace: true });
        expect(again).toMatchObject({ id: newcomer.id, data: { v: 3 }, status: 'pending' });
        // A plain call answers the newest holder too.
        expect((await s.now('sync', { v: 9 }, { dedupeKey: 'acct:1' })).id).toBe(newcomer.id);
        // Due now and workers free, but queued behind the running job: it does not start.
        const claimed = await (await h.otherStore()).claim({
          now: Date.now(), workerId: 'probe', lockToken: 'probe', limit: 10, names: ['sync'], limits: [], lockLifetimeMs: 30_000,
        });
        expect(claimed).toEqual([]);
        expect((await s.getJob(newcomer.id))!.status).toBe('pending');
        release();
        await waitUntil(async () => (await s.getJob(newcomer.id))!.status === 'completed');
        expect((await s.getJob(first.id))!.status).toBe('completed');
        expect(seen).toEqual([{ v: 1 }, { v: 3 }]);
        expect(most).toBe(1);
      });

      it('a grouped newcomer queued behind its key takes no room of its group: another job of the group starts', async () => {
        const s = await h.scheduler({ concurrency: 4 });
        const started: unknown[] = [];
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        s.define('sync', async (job) => {
          started.push(job.data);
          if (job.data === 'first') await gate;
        }, { groupConcurrency: 2 });
        await s.start();
        const first = await s.now('sync', 'first', { dedupeKey: 'acct:1', replace: true, group: 'tenant-1' });
        await waitUntil(async () => (await s.getJob(first.id))!.status === 'running');
        const newcomer = await s.now('sync', 'newcomer', { dedupeKey: 'acct:1', replace: true, group: 'tenant-1' });
        expect(newcomer).toMatchObject({ status: 'pending', group: 'tenant-1' });
        // The group's cap is 2 with one running: the waiting newcomer must not take the other place.
        const other = await s.now('sync', 'other', { group: 'tenant-1' });
        await waitUntil(async () => (await s.getJob(other.id))!.status === 'completed');
        expect((await s.getJob(newcomer.id))!.status).toBe('pending');
        release();
        await waitUntil(async () => (await s.getJob(newcomer.id))!.status === 'completed');
        expect(started).toEqual(['first', 'other', 'newcomer']);
      });

      it('refuses replace without a key, of another type, or on a repeating job', async () => {
        const s = await h.scheduler();
        const bad: [() => Promise<unknown>, string][] = [
          [() => s.now('x', null, { replace: true }), 'options.replace'],
          [() => s.now('x', null, { dedupeKey: 'k', replace: 'yes' as never }), 'options.replace'],
          [() => s.scheduleBulk([{ name: 'x', replace: true }]), 'specs[0].replace'],
          [() => s.every('5m', 'x', null, { dedupeKey: 'k', replace: true }), 'options.replace'],
        ];
        for (const [call, field] of bad) {
          const error = await call().catch((e: unknown) => e);
          expect(error, field).toBeInstanceOf(ValidationError);
          expect(error, field).toMatchObject({ field, code: 'INVALID_ARGUMENT' });
        }
        expect(await s.listJobs({})).toEqual([]);
      });
    });
  });
}
