/**
 * Rules of the Store contract that Redis once broke or that only a Redis test can pin down: error stacks and
 * maxAttempts written by settle and returned by every read; never two live holders of one dedupe key
 * (trigger, the repeat-key upsert); every driver error leaving as STORE_ERROR; data and results returned
 * byte for byte, key order included.
 */
import { describe, expect, it } from 'vitest';
import { DedupeConflictError } from '../../src/core/errors.js';
import type { HistoryEntry, JobRecord, Settlement } from '../../src/core/store.js';
import type { Json } from '../../src/core/types.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import { availability } from '../conformance/factory.js';
import { redisFactory } from './redis.factory.js';
import { T0, claimRequest, newJob, useRedisStores } from './redis.rules.helpers.js';

const { skip } = await availability(redisFactory);

const entry = (over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  status: 'failed', attempt: 1, startedAt: T0, completedAt: T0 + 1, error: null, stack: null, result: null, workerId: 'w1', ...over,
});

describe.skipIf(skip)('RedisStore rules (redis-specific)', () => {
  const { admin, open } = useRedisStores();

  describe('error stacks and maxAttempts', () => {
    it('stores lastErrorStack and maxAttempts from settle, returns them from every read, and clears the stack', async () => {
      const { store } = await open();
      const [{ job }] = await store.insert([newJob('s')], T0);
      expect(job.lastErrorStack).toBeNull();
      const [run1] = await store.claim(claimRequest(T0, 't1'));
      expect(run1).toMatchObject({ lastErrorStack: null, maxAttempts: null });
      const stack = 'Error: boom\n    at handler (file.ts:1:1)';
      const retry: Settlement = {
        id: job.id, lockToken: 't1', status: 'pending', nextRunAt: T0 + 2, lastError: 'boom', lastErrorStack: stack, maxAttempts: 3,
        finishedAt: T0 + 1, history: entry({ error: 'boom', stack }),
      };
      const { settled, claimed } = await store.settleAndClaim([retry], claimRequest(T0 + 2, 't2'));
      expect(settled).toEqual([true]);
      const stored = await store.getJob(job.id);
      expect(stored).toMatchObject({ lastError: 'boom', lastErrorStack: stack, maxAttempts: 3, status: 'running' });
      expect(claimed).toEqual([{ ...stored, lockToken: 't2' }]);
      expect((await store.listJobs({ limit: 5, offset: 0 }))[0]).toEqual(stored);
      expect(await store.history(job.id)).toEqual([{ ...entry({ error: 'boom', stack }), id: expect.any(String), jobId: job.id }]);

      // Success clears both; maxAttempts left out keeps what was written.
      expect(await store.settle([{ id: job.id, lockToken: 't2', status: 'completed', lastError: null, lastErrorStack: null, finishedAt: T0 + 3, history: entry({ status: 'completed', attempt: 2 }) }])).toEqual([true]);
      expect(await store.getJob(job.id)).toMatchObject({ status: 'completed', lastError: null, lastErrorStack: null, maxAttempts: 3 });
      expect((await store.history(job.id)).map((h) => h.stack)).toEqual([stack, null]);
    });

    it('lock-expiry recovery writes its own lastError with a null stack, and history without a stack reads as null', async () => {
      const { store, tag } = await open();
      const [{ job }] = await store.insert([newJob('s')], T0);
      await store.claim(claimRequest(T0, 't1'));
      await store.settle([{ id: job.id, lockToken: 't1', status: 'pending', nextRunAt: T0 + 1, lastError: 'x', lastErrorStack: 'Error: x', finishedAt: T0 + 1, history: entry({ error: 'x', stack: 'Error: x' }) }]);
      await store.claim(claimRequest(T0 + 1, 't2', { lockLifetimeMs: 10 }));
      const [again] = await store.claim(claimRequest(T0 + 100, 't3'));
      expect(again).toMatchObject({ id: job.id, lastErrorStack: null });
      expect(again!.lastError).toMatch(/^lock expired/);
      expect(await store.getJob(job.id)).toMatchObject({ lastErrorStack: null, lastError: again!.lastError });
      const history = await store.history(job.id);
      expect(history.map((h) => [h.status, h.stack])).toEqual([['failed', 'Error: x'], ['failed', null]]);

      // A record written before stacks were kept has no "stack": it reads as null.
      await admin.rpush(`${tag}:hist:${job.id}`, JSON.stringify({ id: '999', jobId: job.id, status: 'completed', attempt: 1, startedAt: T0, completedAt: T0, error: null, result: null, workerId: 'old' }));
      expect((await store.history(job.id)).at(-1)).toMatchObject({ id: '999', stack: null });
    });
  });

  describe('one live holder per dedupe key', () => {
    async function finished(store: RedisStore, key: string, how: 'completed' | 'failed' | 'cancelled'): Promise<JobRecord> {
      const [{ job }] = await store.insert([newJob('d', { dedupeKey: key })], T0);
      if (how === 'cancelled') await store.cancel(job.id, T0 + 1);
      else {
        await store.claim(claimRequest(T0, `tok-${job.id}`, { names: ['d'], limit: 1 }));
        await store.settle([{ id: job.id, lockToken: `tok-${job.id}`, status: how, finishedAt: T0 + 1, history: null }]);
      }
      return (await store.getJob(job.id))!;
    }

    for (const how of ['completed', 'failed', 'cancelled'] as const) {
      it(`refuses to trigger a ${how} job while another live job holds its key, changing nothing`, async () => {
        const { store } = await open();
        const old = await finished(store, 'k', how);
        const [holder] = await store.insert([newJob('d', { dedupeKey: 'k' })], T0 + 2);
        expect(holder!.created).toBe(true);
        const before = await store.listJobs({ limit: 10, offset: 0 });

        const error = await store.trigger(old.id, T0 + 3).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DedupeConflictError);
        expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', jobId: old.id, dedupeKey: 'k', holderId: holder!.job.id });
        expect(await store.listJobs({ limit: 10, offset: 0 })).toEqual(before);

        // Running, the holder still blocks; once it finishes, the trigger goes through and the key moves.
        await store.claim(claimRequest(T0 + 4, 'th'));
        await expect(store.trigger(old.id, T0 + 5)).rejects.toBeInstanceOf(DedupeConflictError);
        await store.settle([{ id: holder!.job.id, lockToken: 'th', status: 'completed', finishedAt: T0 + 6, history: null }]);
        expect(await store.trigger(old.id, T0 + 7)).toMatchObject({ status: 'pending', attempts: 0, nextRunAt: T0 + 7 });
        const [dupe] = await store.insert([newJob('d', { dedupeKey: 'k' })], T0 + 8);
        expect(dupe).toMatchObject({ created: false, job: { id: old.id } });
      });
    }

    it('a repeat-key upsert whose dedupe key another live job holds returns that job and leaves the repeating one alone', async () => {
      const { store } = await open();
      const every = { every: 60_000 };
      const [{ job: pendingRepeat }] = await store.insert([newJob('r', { repeat: every, repeatKey: 'live' })], T0);
      const [{ job: finishedRepeat }] = await store.insert([newJob('r', { repeat: every, repeatKey: 'done' })], T0);
      await store.cancel(finishedRepeat.id, T0 + 1);
      const [{ job: holder }] = await store.insert([newJob('d', { dedupeKey: 'k' })], T0 + 1);
      const before = await store.listJobs({ limit: 10, offset: 0 });

      for (const repeatKey of ['live', 'done']) {
        const [result] = await store.insert([newJob('r', { repeat: { every: 1000 }, repeatKey, dedupeKey: 'k', data: { changed: true } })], T0 + 2);
        expect(result).toEqual({ created: false, job: holder });
      }
      expect(await store.listJobs({ limit: 10, offset: 0 })).toEqual(before);

      // The repeating job holding the key itself is upserted as usual.
      await store.remove(holder.id);
      const [own] = await store.insert([newJob('r', { repeat: every, repeatKey: 'live', dedupeKey: 'k2' })], T0 + 3);
      expect(own).toMatchObject({ created: false, job: { id: pendingRepeat.id, dedupeKey: 'k2' } });
      const [again] = await store.insert([newJob('r', { repeat: every, repeatKey: 'live', dedupeKey: 'k2', data: 7 })], T0 + 4);
      expect(again).toMatchObject({ created: false, job: { id: pendingRepeat.id, data: 7 } });
      // A finished repeating job revived by its upsert takes a key no one holds.
      const [revived] = await store.insert([newJob('r', { repeat: every, repeatKey: 'done', dedupeKey: 'k' })], T0 + 5);
      expect(revived).toMatchObject({ created: false, job: { id: finishedRepeat.id, status: 'pending', dedupeKey: 'k' } });
      const [dupe] = await store.insert([newJob('x', { dedupeKey: 'k' })], T0 + 6);
      expect(dupe).toMatchObject({ created: false, job: { id: finishedRepeat.id } });
    });
  });

  it('agrees with the model where the differential tests found it apart (heartbeat, cancel then settle, limit 0)', async () => {
    const { store } = await open();
    const [{ job: a }, { job: b }] = await store.insert([newJob('m'), newJob('m')], T0);
    await store.claim(claimRequest(T0, 't1', { lockLifetimeMs: 1000 }));
    // A heartbeat moves updatedAt with the lease.
    expect(await store.heartbeat([{ id: a.id, lockToken: 't1', lockedUntil: T0 + 5000 }], T0 + 10)).toEqual(['ok']);
    expect(await store.getJob(a.id)).toMatchObject({ lockedUntil: T0 + 5000, updatedAt: T0 + 10 });
    // A job cancelled while it ran stays cancelled, but takes the outcome's due times and attempts.
    await store.cancel(a.id, T0 + 20);
    const retry: Settlement = { id: a.id, lockToken: 't1', status: 'pending', nextRunAt: T0 + 700, dueAt: T0 + 700, attempts: 0, finishedAt: T0 + 30, history: null };
    expect(await store.settle([retry])).toEqual([true]);
    expect(await store.getJob(a.id)).toMatchObject({ status: 'cancelled', nextRunAt: T0 + 700, dueAt: T0 + 700, attempts: 0, updatedAt: T0 + 30 });
    // A claim of limit 0 still recovers expired locks first.
    expect(await store.claim(claimRequest(T0 + 2000, 't2', { limit: 0 }))).toEqual([]);
    expect(await store.getJob(b.id)).toMatchObject({ status: 'pending', lockedBy: null, lastError: expect.stringMatching(/^lock expired/) });

    // Runs lost together are recorded in job order, whatever order their locks ran out in.
    const [{ job: c }, { job: d }] = await store.insert([newJob('n'), newJob('n')], T0);
    await store.claim(claimRequest(T0 + 3000, 't3', { names: ['n'], limit: 1, lockLifetimeMs: 5000 }));
    await store.claim(claimRequest(T0 + 3000, 't4', { names: ['n'], limit: 1, lockLifetimeMs: 1000 }));
    await store.claim(claimRequest(T0 + 9000, 't5', { limit: 0 }));
    const [lostC, lostD] = [(await store.history(c.id))[0]!, (await store.history(d.id))[0]!];
    expect(Number(lostC.id)).toBeLessThan(Number(lostD.id));
  });

  describe('errors', () => {
    it('lets every driver error out as STORE_ERROR naming the operation, with the original as cause', async () => {
      const { store, tag } = await open();
      const [{ job }] = await store.insert([newJob('e')], T0);
      await admin.set(`${tag}:paused`, 'not a set');
      await admin.set(`${tag}:hist1`, 'not a hash');
      await admin.set(`${tag}:s:pending`, 'not a zset');
      const calls: [string, () => Promise<unknown>][] = [
        ['setPaused', () => store.setPaused('e', true)],
        ['pausedNames', () => store.pausedNames()],
        ['claim', () => store.claim(claimRequest(T0, 't'))],
        ['history', () => store.history(job.id)],
        ['countJobs', () => store.countJobs()],
      ];
      for (const [operation, call] of calls) {
        const error = (await call().catch((e: unknown) => e)) as Error & { code: string; cause: Error };
        expect(error, operation).toMatchObject({ code: 'STORE_ERROR', name: 'StoreError' });
        expect(error.message, operation).toMatch(new RegExp(`^redis ${operation} failed: .*WRONGTYPE`));
        expect(error.cause, operation).toBeInstanceOf(Error);
      }
    });

    it('reports a job it cannot decode as STORE_ERROR, not a raw SyntaxError', async () => {
      const { store, tag } = await open();
      const [{ job }] = await store.insert([newJob('e')], T0);
      await admin.hset(`${tag}:job:${job.id}`, 'data', '{not json');
      for (const call of [() => store.getJob(job.id), () => store.listJobs({ limit: 5, offset: 0 }), () => store.claim(claimRequest(T0, 't'))]) {
        const error = (await call().catch((e: unknown) => e)) as Error & { code: string; cause: Error };
        expect(error).toMatchObject({ code: 'STORE_ERROR' });
        expect(error.cause).toBeInstanceOf(SyntaxError);
      }
    });
  });

  it('refuses a value JSON cannot hold as STORE_ERROR, writing nothing', async () => {
    const { store } = await open();
    const big = { n: 10n } as unknown as Json;
    const error = (await store.insert([newJob('e', { data: big })], T0).catch((e: unknown) => e)) as Error & { code: string };
    expect(error).toMatchObject({ code: 'STORE_ERROR', message: expect.stringMatching(/^redis insert failed: .*BigInt/) });
    expect(error.cause).toBeInstanceOf(TypeError);
    expect((await store.countJobs()).pending).toBe(0);
    const [{ job }] = await store.insert([newJob('e')], T0);
    await store.claim(claimRequest(T0, 't'));
    await expect(store.saveProgress(job.id, 't', big, T0)).rejects.toMatchObject({ code: 'STORE_ERROR' });
    await expect(store.settle([{ id: job.id, lockToken: 't', status: 'completed', result: big, finishedAt: T0, history: null }])).rejects.toMatchObject({ code: 'STORE_ERROR' });
    expect(await store.getJob(job.id)).toMatchObject({ status: 'running', progress: null });
  });

  it('returns data, results and progress exactly as given, key order included', async () => {
    const { store } = await open();
    const data = { z: 1, a: { y: [3, { q: 1, b: 2 }], c: 'ü "x"' }, m: 1.5e300, n: -0.25, big: 9007199254740991 };
    const result = { zz: [{ k: 2, j: 1 }], aa: null, mm: 'done' };
    const progress = { step: 2, at: 'b', a: 1 };
    const same = (value: unknown, expected: unknown) => expect(JSON.stringify(value)).toBe(JSON.stringify(expected));

    const [inserted] = await store.insert([newJob('f', { data, dedupeKey: 'f' })], T0);
    same(inserted!.job.data, data);
    const [dupe] = await store.insert([newJob('f', { data: { other: 1 }, dedupeKey: 'f' })], T0);
    same(dupe!.job.data, data);
    same((await store.getJob(inserted!.job.id))!.data, data);
    same((await store.listJobs({ limit: 1, offset: 0 }))[0]!.data, data);

    const [run] = await store.claim(claimRequest(T0, 't1'));
    same(run!.data, data);
    await store.saveProgress(run!.id, 't1', progress, T0 + 1);
    const retry: Settlement = { id: run!.id, lockToken: 't1', status: 'pending', nextRunAt: T0 + 2, result, finishedAt: T0 + 2, history: entry({ status: 'completed', result }) };
    const { claimed } = await store.settleAndClaim([retry], claimRequest(T0 + 2, 't2'));
    same(claimed[0]!.result, result);
    same(claimed[0]!.progress, progress);
    const stored = (await store.getJob(run!.id))!;
    same(stored.result, result);
    same(stored.progress, progress);
    same((await store.history(run!.id))[0]!.result, result);

    await store.settle([{ id: run!.id, lockToken: 't2', status: 'completed', finishedAt: T0 + 3, history: null }]);
    same((await store.update(run!.id, { data: result }, T0 + 4))!.data, result);
  });
});
