/**
 * The Store contract (src/core/store.ts), checked directly against a real store. Every store runs this file
 * unchanged; each test gets fresh, isolated data from the factory.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeFromUrl } from '../../src/core/store-url.js';
import type { ClaimRequest, NewJob, Settlement, Store } from '../../src/core/store.js';
import { silentLogger } from '../../src/core/logger.js';
import { availability, type CreatedStore, type StoreFactory } from './factory.js';

const T0 = 1_800_000_000_000; // a fixed "now" far from the real clock: every time in these tests is explicit

export function newJob(overrides: Partial<NewJob> = {}): NewJob {
  return {
    name: 'work',
    data: { n: 1 },
    priority: 0,
    maxAttempts: null,
    backoff: null,
    timeoutMs: null,
    repeat: null,
    repeatKey: null,
    dedupeKey: null,
    label: null,
    dueAt: T0,
    nextRunAt: T0,
    ...overrides,
  };
}

function claimRequest(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    now: T0,
    workerId: 'w1',
    lockToken: randomUUID(),
    limit: 10,
    names: null,
    limits: [],
    lockLifetimeMs: 30_000,
    ...overrides,
  };
}

function done(id: string, lockToken: string, extra: Partial<Settlement> = {}): Settlement {
  return {
    id,
    lockToken,
    status: 'completed',
    finishedAt: T0 + 10,
    result: { ok: true },
    lastError: null,
    history: { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 10, error: null, stack: null, result: { ok: true }, workerId: 'w1' },
    ...extra,
  };
}

export async function describeStoreContract(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind} store contract`, () => {
    let created: CreatedStore;
    let store: Store;
    const extra: Store[] = [];

    /** Another connection to the same data, as another process would open it. */
    async function another(): Promise<Store> {
      const s = created.open ? await created.open() : await storeFromUrl(created.url);
      await s.init({ logger: silentLogger });
      if (s !== created.store) extra.push(s);
      return s;
    }

    beforeEach(async () => {
      created = await factory.create();
      store = created.store;
      await store.init({ logger: silentLogger });
    });

    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close();
      await store.close();
      await created.cleanup();
    });

    describe('insert and read', () => {
      it('stores a job with defaults and string ids; unknown and malformed ids read as null', async () => {
        const [r] = await store.insert([newJob({ data: { a: [1, 'two', null, { b: true }] }, priority: 5 })], T0);
        expect(r!.created).toBe(true);
        const job = r!.job;
        expect(typeof job.id).toBe('string');
        expect(job).toMatchObject({ name: 'work', status: 'pending', attempts: 0, priority: 5, nextRunAt: T0, dueAt: T0, createdAt: T0, updatedAt: T0 });
        expect(job.data).toEqual({ a: [1, 'two', null, { b: true }] });
        expect(await store.getJob(job.id)).toEqual(job);
        for (const bad of ['999999999', 'abc', '', '-1', '1.5', "1'; drop table x; --", '١٢']) {
          expect(await store.getJob(bad)).toBeNull();
          expect(await store.cancel(bad, T0)).toBeNull();
          expect(await store.trigger(bad, T0)).toBeNull();
          expect(await store.update(bad, { priority: 1 }, T0)).toBeNull();
          expect(await store.remove(bad)).toBe(false);
          expect(await store.history(bad)).toEqual([]);
        }
      });

      it('reads many jobs at once in the order asked, leaving out unknown and malformed ids', async () => {
        const results = await store.insert([newJob({ data: 1 }), newJob({ data: 2 }), newJob({ data: 3 })], T0);
        const [a, b, c] = results.map((r) => r.job);
        expect(store.getJobs).toBeTypeOf('function');
        const read = await store.getJobs!([c!.id, '999999999', a!.id, 'abc', '', c!.id]);
        expect(read).toEqual([c, a, c]);
        expect(JSON.stringify(read[1])).toBe(JSON.stringify(await store.getJob(a!.id)));
        expect(await store.getJobs!([])).toEqual([]);
        expect(await store.getJobs!(['-1', '1.5'])).toEqual([]);
        await store.remove(b!.id);
        expect((await store.getJobs!([a!.id, b!.id])).map((j) => j.id)).toEqual([a!.id]);
      });

      it('keeps a label: on insert, on claim, and through a repeat-key upsert', async () => {
        const [plain, labelled] = await store.insert([newJob(), newJob({ label: 'Process Upload', data: { fileId: 'abc123' } })], T0);
        expect(plain!.job.label).toBeNull();
        expect(labelled!.job.label).toBe('Process Upload');
        expect((await store.getJob(labelled!.job.id))?.label).toBe('Process Upload');
        const claimed = await store.claim(claimRequest({ limit: 5 }));
        expect(claimed.find((j) => j.id === labelled!.job.id)?.label).toBe('Process Upload');
        expect(claimed.find((j) => j.id === plain!.job.id)?.label).toBeNull();
        const repeat = { every: 1000 };
        const [first] = await store.insert([newJob({ name: 'report', repeat, repeatKey: 'weekly', label: 'Weekly Report' })], T0);
        const [again] = await store.insert([newJob({ name: 'report', repeat, repeatKey: 'weekly', label: 'Weekly report (renamed)' })], T0 + 1);
        expect(again!.job.id).toBe(first!.job.id);
        expect((await store.getJob(first!.job.id))?.label).toBe('Weekly report (renamed)');
      });

      it('inserts a thousand jobs in one call, in order', async () => {
        const jobs = Array.from({ length: 1000 }, (_, i) => newJob({ data: { i } }));
        const results = await store.insert(jobs, T0);
        expect(results).toHaveLength(1000);
        expect(results.map((r) => (r.job.data as { i: number }).i)).toEqual(jobs.map((_, i) => i));
        expect(new Set(results.map((r) => r.job.id)).size).toBe(1000);
        expect((await store.countJobs()).pending).toBe(1000);
      });

      it('answers each job of a batch exactly as a read gives it back, key order included', async () => {
        // Keyless runs may be written without reading rows back (SQLite, PostgreSQL): their answers must still be
        // the stored jobs, down to the key order of nested objects (a jsonb column has its own).
        const batch = [
          newJob({
            name: 'full', data: { zeta: 1, alpha: [true, null, 'x "y"'], mid: { b: 2, a: 1 } }, priority: 3, maxAttempts: 7,
            backoff: { type: 'exponential', delay: 100, maxDelay: 5000 }, timeoutMs: 2_500, label: 'a label',
            trace: '{"traceparent":"00-ab"}', group: 'tenant-9', dueAt: T0 + 10, nextRunAt: T0 + 20,
          }),
          newJob({ name: 'bare', data: null }),
          newJob({ name: 'keyed', dedupeKey: 'answer-key' }),
          newJob({ name: 'after-keyed', data: 'text', backoff: { delay: 10, type: 'fixed' } }),
          newJob({ name: 'every', repeat: { every: 60_000 }, repeatKey: 'answer-repeat' }),
        ];
        // The batch with keys in it, then its keyless jobs alone (a store may write an all-keyless batch its own way).
        const mixed = await store.insert(batch, T0);
        const keyless = await store.insert([batch[0]!, batch[1]!, batch[3]!], T0 + 1);
        expect(mixed.map((r) => r.created)).toEqual([true, true, true, true, true]);
        expect(keyless.map((r) => r.created)).toEqual([true, true, true]);
        for (const { job } of [...mixed, ...keyless]) expect(JSON.stringify(job)).toBe(JSON.stringify(await store.getJob(job.id)));
        expect(keyless[0]!.job).toMatchObject({ status: 'pending', attempts: 0, group: 'tenant-9', timeoutMs: 2_500, createdAt: T0 + 1, updatedAt: T0 + 1 });
      });

      it('returns the live job for a dedupe key, and allows a new one once it finished', async () => {
        const [a] = await store.insert([newJob({ dedupeKey: 'email:123' })], T0);
        const [b, c] = await store.insert([newJob({ dedupeKey: 'email:123', data: { other: 1 } }), newJob({ dedupeKey: 'email:456' })], T0);
        expect(b!.created).toBe(false);
        expect(b!.job.id).toBe(a!.job.id);
        expect(b!.job.data).toEqual({ n: 1 });
        expect(c!.created).toBe(true);
        const [claimed] = await store.claim(claimRequest({ limit: 1 }));
        expect(claimed!.id).toBe(a!.job.id);
        const [whileRunning] = await store.insert([newJob({ dedupeKey: 'email:123' })], T0);
        expect(whileRunning!.job.id).toBe(a!.job.id);
        await store.settle([done(claimed!.id, claimed!.lockToken)]);
        const [after] = await store.insert([newJob({ dedupeKey: 'email:123' })], T0);
        expect(after!.created).toBe(true);
        expect(after!.job.id).not.toBe(a!.job.id);
      });

      it('deduplicates inserts racing from several connections', async () => {
        const stores = [store, await another(), await another()];
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, i) => stores[i % 3]!.insert([newJob({ dedupeKey: 'race' })], T0)),
        );
        const ids = new Set(results.map((r) => r[0]!.job.id));
        expect(ids.size).toBe(1);
        expect(results.filter((r) => r[0]!.created)).toHaveLength(1);
        expect((await store.countJobs()).pending).toBe(1);
      });

      it('upserts a repeating job on its repeat key, keeping its due time unless the repeat changed', async () => {
        const every = { every: 60_000 };
        const [first] = await store.insert([newJob({ repeat: every, repeatKey: 'tick', nextRunAt: T0 + 60_000, dueAt: T0 + 60_000 })], T0);
        const [same] = await store.insert([newJob({ repeat: every, repeatKey: 'tick', data: { v: 2 }, nextRunAt: T0 + 5, dueAt: T0 + 5 })], T0 + 1);
        expect(same!.created).toBe(false);
        expect(same!.job.id).toBe(first!.job.id);
        expect(same!.job.data).toEqual({ v: 2 });
        expect(same!.job.nextRunAt).toBe(T0 + 60_000);
        const [changed] = await store.insert([newJob({ repeat: { every: 5_000 }, repeatKey: 'tick', nextRunAt: T0 + 5_000, dueAt: T0 + 5_000 })], T0 + 2);
        expect(changed!.job.id).toBe(first!.job.id);
        expect(changed!.job.repeat).toEqual({ every: 5_000 });
        expect(changed!.job.nextRunAt).toBe(T0 + 5_000);
        await store.cancel(first!.job.id, T0 + 3);
        const [revived] = await store.insert([newJob({ repeat: { every: 5_000 }, repeatKey: 'tick', nextRunAt: T0 + 9_000, dueAt: T0 + 9_000 })], T0 + 4);
        expect(revived!.job).toMatchObject({ id: first!.job.id, status: 'pending', nextRunAt: T0 + 9_000, attempts: 0 });
        expect((await store.countJobs()).pending).toBe(1);
      });

      it('keeps one repeating job when many connections upsert it at once', async () => {
        const stores = [store, await another(), await another()];
        await Promise.all(
          Array.from({ length: 30 }, (_, i) =>
            stores[i % 3]!.insert([newJob({ name: 'report', repeat: { cron: '0 9 * * *', timezone: 'UTC' }, repeatKey: 'report' })], T0),
          ),
        );
        const counts = await store.countJobs('report');
        expect(counts.pending).toBe(1);
      });

      it('keeps the trace context a job was enqueued with, through claim and list; a repeat upsert takes the new one', async () => {
        const trace = '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}';
        const [plain, untraced] = await store.insert([newJob({ trace }), newJob()], T0);
        expect(plain!.job.trace).toBe(trace);
        expect(untraced!.job.trace).toBeNull();
        expect((await store.getJob(plain!.job.id))!.trace).toBe(trace);
        const claimed = await store.claim(claimRequest({ limit: 2 }));
        expect(claimed.map((j) => j.trace)).toEqual([trace, null]);
        expect((await store.listJobs({ limit: 10, offset: 0 })).map((j) => j.trace).sort()).toEqual([trace, null].sort());
        const repeat = { every: 60_000 };
        await store.insert([newJob({ name: 'tick', repeat, repeatKey: 'tick', trace })], T0);
        const [again] = await store.insert([newJob({ name: 'tick', repeat, repeatKey: 'tick', trace: null })], T0 + 1);
        expect(again!.created).toBe(false);
        expect(again!.job.trace).toBeNull();
      });
    });

    describe('claim', () => {
      it('claims due jobs only, by priority, then due time, then insertion order', async () => {
        const jobs = await store.insert(
          [
            newJob({ data: 'low-early', priority: -10, nextRunAt: T0 - 5000 }),
            newJob({ data: 'normal-late', priority: 0, nextRunAt: T0 - 10 }),
            newJob({ data: 'normal-early', priority: 0, nextRunAt: T0 - 1000 }),
            newJob({ data: 'high', priority: 10, nextRunAt: T0 }),
            newJob({ data: 'future', priority: 20, nextRunAt: T0 + 1 }),
            newJob({ data: 'normal-late-2', priority: 0, nextRunAt: T0 - 10 }),
          ],
          T0,
        );
        const claimed = await store.claim(claimRequest({ limit: 10 }));
        expect(claimed.map((j) => j.data)).toEqual(['high', 'normal-early', 'normal-late', 'normal-late-2', 'low-early']);
        const c = claimed[0]!;
        expect(c).toMatchObject({ status: 'running', attempts: 1, lockedBy: 'w1', lockedUntil: T0 + 30_000, lastRunAt: T0 });
        expect(typeof c.lockToken).toBe('string');
        expect((await store.getJob(c.id))!.status).toBe('running');
        expect((await store.getJob(jobs[4]!.job.id))!.status).toBe('pending');
        expect(await store.claim(claimRequest())).toEqual([]);
      });

      it('respects limit, names, per-name lock lifetimes and paused names', async () => {
        await store.insert([newJob({ name: 'a' }), newJob({ name: 'a' }), newJob({ name: 'b' }), newJob({ name: 'c' })], T0);
        expect(await store.claim(claimRequest({ names: [] }))).toEqual([]);
        await store.setPaused('b', true);
        expect(await store.pausedNames()).toEqual(['b']);
        const first = await store.claim(claimRequest({ names: ['a', 'b'], limit: 1, lockLifetimes: { a: 5_000 } }));
        expect(first.map((j) => j.name)).toEqual(['a']);
        expect(first[0]!.lockedUntil).toBe(T0 + 5_000);
        const rest = await store.claim(claimRequest({ names: ['a', 'b'] }));
        expect(rest.map((j) => j.name)).toEqual(['a']);
        await store.setPaused('b', false);
        expect(await store.pausedNames()).toEqual([]);
        const any = await store.claim(claimRequest({ names: null }));
        expect(any.map((j) => j.name).sort()).toEqual(['b', 'c']);
      });

      it('honours localFree and a global per-name cap counted across workers', async () => {
        await store.insert(Array.from({ length: 10 }, () => newJob({ name: 'capped' })).concat([newJob({ name: 'free' })]), T0);
        const one = await store.claim(claimRequest({ limits: [{ name: 'capped', localFree: 2, global: 3 }] }));
        expect(one.filter((j) => j.name === 'capped')).toHaveLength(2);
        expect(one.filter((j) => j.name === 'free')).toHaveLength(1);
        const two = await store.claim(claimRequest({ workerId: 'w2', limits: [{ name: 'capped', localFree: 5, global: 3 }] }));
        expect(two).toHaveLength(1);
        const three = await store.claim(claimRequest({ workerId: 'w3', limits: [{ name: 'capped', global: 3 }] }));
        expect(three).toHaveLength(0);
        await store.settle([done(two[0]!.id, two[0]!.lockToken)]);
        const four = await store.claim(claimRequest({ workerId: 'w3', limits: [{ name: 'capped', global: 3 }] }));
        expect(four).toHaveLength(1);
      });

      it('never exceeds a global cap when many connections claim at once', async () => {
        await store.insert(Array.from({ length: 40 }, () => newJob({ name: 'capped' })), T0);
        const stores = [store, await another(), await another(), await another()];
        const batches = await Promise.all(
          stores.flatMap((s, i) => [0, 1, 2].map((k) => s.claim(claimRequest({ workerId: `w${i}-${k}`, limits: [{ name: 'capped', global: 5 }] })))),
        );
        expect(batches.flat()).toHaveLength(5);
      });

      it('counts a job cancelled while running against its global cap until it settles or its lease ends', async () => {
        await store.insert([newJob({ name: 'single' }), newJob({ name: 'single' })], T0);
        const cap = { limits: [{ name: 'single', global: 1 }], lockLifetimeMs: 1000 };
        const [first] = await store.claim(claimRequest(cap));
        await store.cancel(first!.id, T0 + 1);
        // Its handler may still run: the second job waits, here and in any other process.
        expect(await store.claim(claimRequest({ ...cap, now: T0 + 2, workerId: 'w2' }))).toEqual([]);
        expect(await store.heartbeat([{ id: first!.id, lockToken: first!.lockToken, lockedUntil: T0 + 2000 }], T0 + 500)).toEqual(['cancelled']);
        expect(await store.claim(claimRequest({ ...cap, now: T0 + 1500, workerId: 'w2' }))).toEqual([]);
        // Settled (as cancelled): the slot is free.
        expect(await store.settle([done(first!.id, first!.lockToken, { finishedAt: T0 + 1600 })])).toEqual([true]);
        const [second] = await store.claim(claimRequest({ ...cap, now: T0 + 1601, workerId: 'w2' }));
        expect(second).toBeDefined();
        // A run whose process died after the cancel frees it when its lease ends.
        await store.insert([newJob({ name: 'single' })], T0 + 1602);
        await store.cancel(second!.id, T0 + 1603);
        expect(await store.claim(claimRequest({ ...cap, now: T0 + 2601 }))).toEqual([]);
        expect(await store.claim(claimRequest({ ...cap, now: T0 + 2602 }))).toHaveLength(1);
      });

      it('starts a new cycle without the lease of a run cancelled while it ran when a repeating job is upserted', async () => {
        const repeating = { name: 'tick', repeat: { every: 1000 }, repeatKey: 'tick' };
        await store.insert([newJob(repeating)], T0);
        const [old] = await store.claim(claimRequest());
        await store.cancel(old!.id, T0 + 1);
        const [{ job: again }] = await store.insert([newJob({ ...repeating, dueAt: T0 + 5, nextRunAt: T0 + 5 })], T0 + 2);
        expect(again).toMatchObject({ id: old!.id, status: 'pending', attempts: 0, lockedBy: null, lockedUntil: null });
        await store.cancel(old!.id, T0 + 3);
        // The old run cannot settle (or learn of) the new cycle.
        expect(await store.heartbeat([{ id: old!.id, lockToken: old!.lockToken, lockedUntil: T0 + 9000 }], T0 + 4)).toEqual(['lost']);
        expect(await store.settle([done(old!.id, old!.lockToken, { finishedAt: T0 + 5 })])).toEqual([false]);
      });

      it('never hands one job to two claimers racing', async () => {
        await store.insert(Array.from({ length: 300 }, (_, i) => newJob({ data: i })), T0);
        const stores = [store, await another(), await another(), await another()];
        const claimedIds: string[] = [];
        await Promise.all(
          stores.map(async (s, i) => {
            for (;;) {
              const batch = await s.claim(claimRequest({ workerId: `w${i}`, limit: 7 }));
              if (batch.length === 0) return;
              claimedIds.push(...batch.map((j) => j.id));
            }
          }),
        );
        expect(claimedIds).toHaveLength(300);
        expect(new Set(claimedIds).size).toBe(300);
      });

      it('takes back jobs whose lock expired, recording the lost run', async () => {
        await store.insert([newJob()], T0);
        const [mine] = await store.claim(claimRequest({ lockLifetimeMs: 1000 }));
        expect(await store.claim(claimRequest({ now: T0 + 999, workerId: 'w2' }))).toEqual([]);
        const [theirs] = await store.claim(claimRequest({ now: T0 + 1001, workerId: 'w2' }));
        expect(theirs!.id).toBe(mine!.id);
        expect(theirs!.attempts).toBe(2);
        expect(theirs!.lockToken).not.toBe(mine!.lockToken);
        // The first worker comes back: it can no longer touch the job.
        expect(await store.settle([done(mine!.id, mine!.lockToken)])).toEqual([false]);
        expect(await store.heartbeat([{ id: mine!.id, lockToken: mine!.lockToken, lockedUntil: T0 + 99_999 }], T0 + 1002)).toEqual(['lost']);
        expect(await store.saveProgress(mine!.id, mine!.lockToken, 50, T0 + 1002)).toBe(false);
        expect(await store.settle([done(theirs!.id, theirs!.lockToken, { finishedAt: T0 + 1100 })])).toEqual([true]);
        const history = await store.history(mine!.id);
        expect(history.map((h) => [h.status, h.attempt, h.workerId])).toEqual([
          ['failed', 1, 'w1'],
          ['completed', 1, 'w1'],
        ]);
        expect(history[0]!.error).toMatch(/lock expired/);
        expect((await store.getJob(mine!.id))!.status).toBe('completed');
      });

      it('gives the newest records of a long history, oldest first, when asked for a limit', async () => {
        const [{ job }] = await store.insert([newJob()], T0);
        // Five runs: four failures retried, then a success (the first record and the later ones may be kept apart).
        for (let run = 1; run <= 5; run++) {
          const at = T0 + run * 100;
          const [claimed] = await store.claim(claimRequest({ now: at }));
          expect(claimed!.id).toBe(job!.id);
          const last = run === 5;
          const history = { status: last ? 'completed' as const : 'failed' as const, attempt: run, startedAt: at, completedAt: at + 10, error: last ? null : `run ${run}`, stack: null, result: null, workerId: 'w1' };
          expect(await store.settle([done(job!.id, claimed!.lockToken, last ? { finishedAt: at + 10, history } : { status: 'pending', nextRunAt: at + 100, finishedAt: at + 10, result: undefined, lastError: `run ${run}`, lastErrorStack: null, history })])).toEqual([true]);
        }
        const all = await store.history(job!.id);
        expect(all.map((h) => h.attempt)).toEqual([1, 2, 3, 4, 5]);
        for (const limit of [1, 2, 4, 5, 6, 1000]) expect(await store.history(job!.id, limit), `limit ${limit}`).toEqual(all.slice(-limit));
        expect(await store.history('424242', 2)).toEqual([]);
      });

      it('records lost runs in job insertion order, whatever order their locks ended in', async () => {
        // Later jobs are claimed first (higher priority), one claim each, and their locks end first: prune
        // (history oldest first by insertion) must still take the first job's records first, as the model
        // writes them.
        const names = ['a', 'b', 'c', 'd', 'e', 'f'];
        const inserted = await store.insert(names.map((name, i) => newJob({ name, priority: i })), T0);
        const lockLifetimes = Object.fromEntries(names.map((name, i) => [name, 6000 - i * 1000]));
        for (let i = 0; i < names.length; i++) await store.claim(claimRequest({ limit: 1, lockLifetimes }));
        expect(await store.claim(claimRequest({ now: T0 + 10_000, limit: 0 }))).toEqual([]);
        expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 20_000, limit: 3 })).toEqual({ jobs: 0, history: 3 });
        const left = await Promise.all(inserted.map(async (r) => (await store.history(r.job.id)).length));
        expect(left).toEqual([0, 0, 0, 1, 1, 1]);
      });
    });

    describe('settle, heartbeat, progress', () => {
      it('applies a batch of outcomes guarded by lock tokens, with one history record each', async () => {
        await store.insert([newJob(), newJob(), newJob(), newJob()], T0);
        const [a, b, c, d] = await store.claim(claimRequest());
        const applied = await store.settle([
          done(a!.id, a!.lockToken),
          done(b!.id, 'not-the-token'),
          {
            id: c!.id,
            lockToken: c!.lockToken,
            status: 'pending',
            nextRunAt: T0 + 5000,
            lastError: 'boom',
            finishedAt: T0 + 20,
            history: { status: 'failed', attempt: 1, startedAt: T0, completedAt: T0 + 20, error: 'boom', stack: null, result: null, workerId: 'w1' },
          },
          {
            id: d!.id,
            lockToken: d!.lockToken,
            status: 'failed',
            lastError: 'final',
            finishedAt: T0 + 30,
            history: { status: 'failed', attempt: 1, startedAt: T0, completedAt: T0 + 30, error: 'final', stack: null, result: null, workerId: 'w1' },
          },
        ]);
        expect(applied).toEqual([true, false, true, true]);
        expect(await store.getJob(a!.id)).toMatchObject({ status: 'completed', result: { ok: true }, lastError: null, lastFinishedAt: T0 + 10, lockedBy: null, lockedUntil: null });
        expect(await store.getJob(b!.id)).toMatchObject({ status: 'running' });
        expect(await store.getJob(c!.id)).toMatchObject({ status: 'pending', nextRunAt: T0 + 5000, dueAt: T0, attempts: 1, lastError: 'boom' });
        expect(await store.getJob(d!.id)).toMatchObject({ status: 'failed', lastError: 'final' });
        const [h] = await store.history(a!.id);
        expect(h).toMatchObject({ jobId: a!.id, status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 10, error: null, stack: null, result: { ok: true }, workerId: 'w1' });
        expect(typeof h!.id).toBe('string');
        expect(await store.history(b!.id)).toEqual([]);
        // A retried job is claimed again once due, with its attempt count going on.
        expect(await store.claim(claimRequest({ now: T0 + 4999 }))).toHaveLength(0);
        const [again] = await store.claim(claimRequest({ now: T0 + 5000 }));
        expect(again).toMatchObject({ id: c!.id, attempts: 2 });
      });

      it('answers applied to a settle resent by the same run, writing nothing again, and lost to any other token', async () => {
        await store.insert([newJob({ repeat: { every: 1000 }, repeatKey: 'r' })], T0);
        const [first] = await store.claim(claimRequest());
        const outcome = { ...done(first!.id, first!.lockToken), status: 'pending' as const, nextRunAt: T0 + 1000, dueAt: T0 + 1000, attempts: 0 };
        expect(await store.settle([outcome])).toEqual([true]);
        const after = await store.getJob(first!.id);
        // A worker whose first call timed out after the commit sends the same settlement again.
        expect(await store.settle([{ ...outcome, finishedAt: T0 + 50, result: { again: true } }])).toEqual([true]);
        expect(await store.getJob(first!.id)).toEqual(after);
        expect(await store.history(first!.id)).toHaveLength(1);
        // Twice in one batch: the first applies, the copy answers applied too (the rules take a batch in order).
        const [second] = await store.claim(claimRequest({ now: T0 + 1000, lockToken: 'second' }));
        const next = { ...done(second!.id, second!.lockToken), status: 'pending' as const, nextRunAt: T0 + 2000, dueAt: T0 + 2000, attempts: 0 };
        expect(await store.settle([next, next, { ...outcome, finishedAt: T0 + 1500 }])).toEqual([true, true, false]);
        expect(await store.history(first!.id)).toHaveLength(2);
        // The earlier run's token is not the last settled one any more: lost, as any other token.
        expect(await store.settle([outcome])).toEqual([false]);
        expect(await store.settle([done(first!.id, 'never-claimed')])).toEqual([false]);
        // While a later run holds the job, the run before it still learns its own settle was applied.
        const [third] = await store.claim(claimRequest({ now: T0 + 2000, lockToken: 'third' }));
        expect(await store.settle([next])).toEqual([true]);
        expect(await store.getJob(third!.id)).toMatchObject({ status: 'running', attempts: 1 });
      });

      it('starts a new cycle for a repeating job: new due time, attempts reset', async () => {
        await store.insert([newJob({ repeat: { every: 1000 }, repeatKey: 'r' })], T0);
        const [job] = await store.claim(claimRequest());
        await store.settle([{ ...done(job!.id, job!.lockToken), status: 'pending', nextRunAt: T0 + 1000, dueAt: T0 + 1000, attempts: 0 }]);
        expect(await store.getJob(job!.id)).toMatchObject({ status: 'pending', nextRunAt: T0 + 1000, dueAt: T0 + 1000, attempts: 0, result: { ok: true } });
      });

      it('keeps a job cancelled while it ran cancelled, and its worker still settles it', async () => {
        await store.insert([newJob()], T0);
        const [job] = await store.claim(claimRequest());
        const cancelled = await store.cancel(job!.id, T0 + 5);
        expect(cancelled).toMatchObject({ previous: 'running', job: { status: 'cancelled' } });
        expect(await store.heartbeat([{ id: job!.id, lockToken: job!.lockToken, lockedUntil: T0 + 60_000 }], T0 + 6)).toEqual(['cancelled']);
        expect(await store.settle([done(job!.id, job!.lockToken)])).toEqual([true]);
        expect(await store.getJob(job!.id)).toMatchObject({ status: 'cancelled', lockedBy: null });
        expect((await store.history(job!.id)).map((h) => h.status)).toEqual(['cancelled']);
        // Cancelled jobs are never claimed, and their expired locks are never "recovered".
        expect(await store.claim(claimRequest({ now: T0 + 10_000_000 }))).toEqual([]);
      });

      it('settles and claims in one operation, the claim seeing the settlements (when the store can)', async (ctx) => {
        if (!store.settleAndClaim) ctx.skip(); // optional: the worker falls back to settle() then claim()
        if (!store.settleAndClaim) return;
        await store.insert([newJob({ name: 'capped' }), newJob({ name: 'capped' }), newJob({ name: 'other' })], T0);
        const limits = [{ name: 'capped', global: 1 }];
        const [first] = await store.claim(claimRequest({ names: ['capped'], limits, limit: 5 }));
        expect(first!.name).toBe('capped');
        const [other] = await store.claim(claimRequest({ names: ['other'] }));
        // Settling the capped job frees its global slot, and the failed 'other' is due again at once:
        // the claim in the same call sees both.
        const { settled, claimed } = await store.settleAndClaim(
          [
            done(first!.id, first!.lockToken),
            {
              id: other!.id,
              lockToken: other!.lockToken,
              status: 'pending',
              nextRunAt: T0,
              lastError: 'retry me',
              finishedAt: T0,
              history: { status: 'failed', attempt: 1, startedAt: T0, completedAt: T0, error: 'retry me', stack: null, result: null, workerId: 'w1' },
            },
            done(other!.id, 'stale-token'),
          ],
          claimRequest({ names: ['capped', 'other'], limits, limit: 5 }),
        );
        expect(settled).toEqual([true, true, false]);
        expect(claimed.map((j) => j.name).sort()).toEqual(['capped', 'other']);
        expect(claimed.find((j) => j.name === 'other')).toMatchObject({ id: other!.id, attempts: 2 });
        expect(await store.getJob(first!.id)).toMatchObject({ status: 'completed', result: { ok: true } });
        expect((await store.history(other!.id)).map((h) => h.status)).toEqual(['failed']);
        const empty = await store.settleAndClaim([], claimRequest());
        expect(empty).toEqual({ settled: [], claimed: [] });
      });

      it('extends leases in a batch and tells lost ones apart', async () => {
        await store.insert([newJob(), newJob()], T0);
        const [a, b] = await store.claim(claimRequest({ lockLifetimeMs: 1000 }));
        const states = await store.heartbeat(
          [
            { id: a!.id, lockToken: a!.lockToken, lockedUntil: T0 + 50_000 },
            { id: b!.id, lockToken: 'stale', lockedUntil: T0 + 50_000 },
            { id: '424242', lockToken: 'x', lockedUntil: T0 + 50_000 },
          ],
          T0 + 500,
        );
        expect(states).toEqual(['ok', 'lost', 'lost']);
        expect((await store.getJob(a!.id))!.lockedUntil).toBe(T0 + 50_000);
        // a's lease was extended: at T0 + 2000 only b is recovered.
        const recovered = await store.claim(claimRequest({ now: T0 + 2000, workerId: 'w2' }));
        expect(recovered.map((j) => j.id)).toEqual([b!.id]);
      });

      it('saves progress only for the lease holder', async () => {
        await store.insert([newJob()], T0);
        const [job] = await store.claim(claimRequest());
        expect(await store.saveProgress(job!.id, job!.lockToken, { pct: 40 }, T0 + 1)).toBe(true);
        expect(await store.saveProgress(job!.id, 'other', { pct: 99 }, T0 + 2)).toBe(false);
        expect((await store.getJob(job!.id))!.progress).toEqual({ pct: 40 });
      });
    });

    describe('managing jobs', () => {
      it('cancels pending jobs for good and leaves finished ones alone', async () => {
        const [p, f] = await store.insert([newJob(), newJob()], T0);
        expect(await store.cancel(p!.job.id, T0 + 1)).toMatchObject({ previous: 'pending', job: { status: 'cancelled' } });
        const [claimed] = await store.claim(claimRequest());
        expect(claimed!.id).toBe(f!.job.id);
        await store.settle([done(claimed!.id, claimed!.lockToken)]);
        expect(await store.cancel(f!.job.id, T0 + 2)).toMatchObject({ previous: 'completed', job: { status: 'completed' } });
        expect(await store.claim(claimRequest({ now: T0 + 100_000 }))).toEqual([]);
      });

      it('triggers: pending runs now, finished runs again, running is left alone', async () => {
        const [future, finished] = await store.insert([newJob({ nextRunAt: T0 + 3_600_000, dueAt: T0 + 3_600_000 }), newJob()], T0);
        const [claimed] = await store.claim(claimRequest());
        expect(claimed!.id).toBe(finished!.job.id);
        expect(await store.trigger(claimed!.id, T0 + 1)).toMatchObject({ status: 'running' });
        await store.settle([done(claimed!.id, claimed!.lockToken)]);
        expect(await store.trigger(future!.job.id, T0 + 2)).toMatchObject({ status: 'pending', nextRunAt: T0 + 2, dueAt: T0 + 3_600_000 });
        expect(await store.trigger(claimed!.id, T0 + 2)).toMatchObject({ status: 'pending', nextRunAt: T0 + 2, attempts: 0 });
        expect((await store.claim(claimRequest({ now: T0 + 2 }))).map((j) => j.id).sort()).toEqual([future!.job.id, claimed!.id].sort());
      });

      it('updates fields of a job that is not running', async () => {
        const [a] = await store.insert([newJob()], T0);
        const updated = await store.update(a!.job.id, { data: { x: 2 }, priority: 7, maxAttempts: 4, repeat: { every: 500 }, nextRunAt: T0 + 500, dueAt: T0 + 500 }, T0 + 1);
        expect(updated).toMatchObject({ data: { x: 2 }, priority: 7, maxAttempts: 4, repeat: { every: 500 }, nextRunAt: T0 + 500, dueAt: T0 + 500, updatedAt: T0 + 1 });
        const cleared = await store.update(a!.job.id, { repeat: null, maxAttempts: null }, T0 + 2);
        expect(cleared).toMatchObject({ repeat: null, maxAttempts: null });
      });

      it('removes a job with its history', async () => {
        await store.insert([newJob()], T0);
        const [job] = await store.claim(claimRequest());
        await store.settle([done(job!.id, job!.lockToken)]);
        expect(await store.remove(job!.id)).toBe(true);
        expect(await store.getJob(job!.id)).toBeNull();
        expect(await store.history(job!.id)).toEqual([]);
        expect(await store.remove(job!.id)).toBe(false);
      });

      it('lists by status and name, newest first, with limit and offset; counts by status', async () => {
        const rows = await store.insert(
          [newJob({ name: 'x' }), newJob({ name: 'y' }), newJob({ name: 'x' }), newJob({ name: 'x', nextRunAt: T0 + 9e6 })],
          T0,
        );
        await store.insert([newJob({ name: 'x' })], T0 + 100); // the newest
        const ids = rows.map((r) => r.job.id);
        const [claimed] = await store.claim(claimRequest({ names: ['y'] }));
        expect(claimed!.id).toBe(ids[1]);
        const all = await store.listJobs({ limit: 100, offset: 0 });
        expect(all).toHaveLength(5);
        expect(all[0]!.createdAt).toBe(T0 + 100);
        const xs = await store.listJobs({ name: 'x', limit: 100, offset: 0 });
        expect(xs.map((j) => j.name)).toEqual(['x', 'x', 'x', 'x']);
        const page = await store.listJobs({ name: 'x', limit: 2, offset: 1 });
        expect(page.map((j) => j.id)).toEqual(xs.slice(1, 3).map((j) => j.id));
        expect((await store.listJobs({ status: ['running'], limit: 10, offset: 0 })).map((j) => j.id)).toEqual([ids[1]]);
        expect(await store.listJobs({ status: ['running', 'pending'], name: 'y', limit: 10, offset: 0 })).toHaveLength(1);
        expect(await store.countJobs()).toEqual({ pending: 4, running: 1, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
        expect(await store.countJobs('x')).toEqual({ pending: 4, running: 0, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
        // Only the statuses asked for are counted; the others come back 0.
        expect(await store.countJobs(undefined, ['running'])).toEqual({ pending: 0, running: 1, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
        expect(await store.countJobs('x', ['pending'])).toEqual({ pending: 4, running: 0, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
        expect(await store.countJobs('y', ['pending', 'running'])).toEqual({ pending: 0, running: 1, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
      });

      it('lists running jobs newest first and pages them, whatever their lock expiry', async () => {
        const rows = await store.insert([newJob({ name: 'a' }), newJob({ name: 'b' }), newJob({ name: 'a' }), newJob({ name: 'b' })], T0);
        const ids = rows.map((r) => r.job.id);
        // Claimed oldest first with lock lifetimes that run the other way, so lock order is not id order.
        for (const [i, id] of ids.entries()) {
          const [c] = await store.claim(claimRequest({ limit: 1, lockLifetimeMs: 60_000 - i * 1000 }));
          expect(c!.id).toBe(id);
        }
        const newestFirst = [...ids].reverse();
        const running = (q: Partial<Parameters<Store['listJobs']>[0]>) => store.listJobs({ status: ['running'], limit: 10, offset: 0, ...q });
        expect((await running({})).map((j) => j.id)).toEqual(newestFirst);
        expect((await running({ limit: 2, offset: 1 })).map((j) => j.id)).toEqual(newestFirst.slice(1, 3));
        expect((await running({ name: 'a' })).map((j) => j.id)).toEqual([ids[2], ids[0]]);
        // Cancelled while running: listed and counted as cancelled, no longer as running.
        await store.cancel(ids[3]!, T0 + 1);
        expect((await running({})).map((j) => j.id)).toEqual(newestFirst.slice(1));
        expect((await store.listJobs({ status: ['running', 'cancelled'], limit: 10, offset: 0 })).map((j) => j.id)).toEqual(newestFirst);
        expect(await store.countJobs(undefined, ['running', 'cancelled'])).toMatchObject({ running: 3, cancelled: 1 });
      });

      it('orders a list by any order field, both ways, nulls last, ties by insertion, the same across pages', async () => {
        // Names in code point order: 'Z' < 'a' < 'é' (U+E9) < U+FFFD < '😀' (U+1F600; JavaScript's < puts it before U+FFFD).
        const names = ['a', 'Z', '\u{1F600}', 'é', '\uFFFD', 'a'];
        const rows = await store.insert(
          names.map((name, i) => newJob({ name, priority: [0, 5, -5, 5, 0, 0][i]!, dueAt: T0 - i * 100, nextRunAt: [T0, T0 - 500, T0 + 1000, T0 - 500, T0, T0 - 900][i]! })),
          T0,
        );
        const ids = rows.map((r) => r.job.id);
        // Two run: lastRunAt set on them only, attempts 1; the first of them is settled later (updatedAt).
        const claimed = await store.claim(claimRequest({ limit: 2, now: T0 + 10 }));
        await store.settle([done(claimed[0]!.id, claimed[0]!.lockToken, { status: 'pending', nextRunAt: T0 + 5000, finishedAt: T0 + 20, history: null })]);
        const all = await store.listJobs({ limit: 100, offset: 0 });
        const byId = new Map(all.map((j) => [j.id, j]));
        const index = (id: string) => ids.indexOf(id);
        const expectOrder = async (by: NonNullable<Parameters<Store['listJobs']>[0]['order']>['by'], asc: string[]) => {
          for (const dir of ['asc', 'desc'] as const) {
            const want = dir === 'asc' ? asc : [...asc].reverse();
            const whole = (await store.listJobs({ order: { by, dir }, limit: 100, offset: 0 })).map((j) => j.id);
            if (by !== 'lastRunAt') expect(whole, `${by} ${dir}`).toEqual(want);
            // Pages of two put together are the whole list.
            const pages: string[] = [];
            for (let offset = 0; offset < ids.length; offset += 2) pages.push(...(await store.listJobs({ order: { by, dir }, limit: 2, offset })).map((j) => j.id));
            expect(pages, `${by} ${dir} paged`).toEqual(whole);
          }
        };
        const sorted = (key: (id: string) => number) => [...ids].sort((x, y) => key(x) - key(y) || index(x) - index(y));
        await expectOrder('createdAt', ids);
        await expectOrder('nextRunAt', sorted((id) => byId.get(id)!.nextRunAt));
        await expectOrder('updatedAt', sorted((id) => byId.get(id)!.updatedAt));
        await expectOrder('priority', sorted((id) => byId.get(id)!.priority));
        await expectOrder('attempts', sorted((id) => byId.get(id)!.attempts));
        await expectOrder('name', [ids[1]!, ids[0]!, ids[5]!, ids[3]!, ids[4]!, ids[2]!]);
        // lastRunAt: jobs never run come last in both directions, among themselves by insertion in that direction.
        const ran = claimed.map((c) => c.id).sort((x, y) => index(x) - index(y));
        const never = ids.filter((id) => !ran.includes(id));
        expect((await store.listJobs({ order: { by: 'lastRunAt', dir: 'asc' }, limit: 100, offset: 0 })).map((j) => j.id)).toEqual([...ran, ...never]);
        expect((await store.listJobs({ order: { by: 'lastRunAt', dir: 'desc' }, limit: 100, offset: 0 })).map((j) => j.id)).toEqual([...ran].reverse().concat([...never].reverse()));
        // With filters: statuses and a name.
        const pendingA = (await store.listJobs({ status: ['pending'], name: 'a', order: { by: 'nextRunAt', dir: 'asc' }, limit: 10, offset: 0 })).map((j) => j.id);
        expect(pendingA).toEqual(all.filter((j) => j.status === 'pending' && j.name === 'a').sort((x, y) => x.nextRunAt - y.nextRunAt || index(x.id) - index(y.id)).map((j) => j.id));
      });

      it('lists pending jobs by due time across priorities: the earliest due first, a later insert due earlier included', async () => {
        // Priorities 20, 0, -7 and -20; the job due earliest is inserted last, at the lowest priority.
        const specs = [
          { priority: 20, nextRunAt: T0 - 1000 },
          { priority: 0, nextRunAt: T0 - 3000 },
          { priority: 0, nextRunAt: T0 + 60_000 },
          { priority: -7, nextRunAt: T0 - 3000 },
          { priority: 20, nextRunAt: T0 + 1 },
          { priority: -20, nextRunAt: T0 - 86_400_000 },
        ];
        const rows = await store.insert(specs.map((s) => newJob({ ...s, dueAt: s.nextRunAt })), T0 - 2000);
        const ids = rows.map((r) => r.job.id);
        // One of them running (the claim takes priority 20 first): pending alone is listed.
        const [running] = await store.claim(claimRequest({ limit: 1 }));
        expect(running!.id).toBe(ids[0]);
        const pending = (dir: 'asc' | 'desc', limit = 10, offset = 0, name?: string) =>
          store.listJobs({ status: ['pending'], order: { by: 'nextRunAt', dir }, limit, offset, ...(name ? { name } : {}) }).then((js) => js.map((j) => j.id));
        const asc = [ids[5], ids[1], ids[3], ids[4], ids[2]];
        expect(await pending('asc')).toEqual(asc);
        expect(await pending('desc')).toEqual([...asc].reverse());
        expect(await pending('asc', 1)).toEqual([ids[5]]);
        expect(await pending('asc', 2, 1)).toEqual(asc.slice(1, 3));
        expect(await pending('desc', 2, 2)).toEqual([...asc].reverse().slice(2, 4));
        expect(await pending('asc', 10, 0, 'work')).toEqual(asc);
        expect(await pending('asc', 10, 0, 'other')).toEqual([]);
        // Once the job due last is the only one left (others removed), it is the first.
        for (const id of [ids[5], ids[1], ids[3], ids[4]]) await store.remove(id!);
        expect(await pending('asc', 1)).toEqual([ids[2]]);
      });

      it('lists only repeating jobs with `repeating`, whatever their status or key, and follows repeats set and cleared', async () => {
        const every = { every: 60_000 };
        const rows = await store.insert(
          [
            newJob({ name: 'r' }),
            newJob({ name: 'r', repeat: every, repeatKey: 'k1' }),
            newJob({ name: 's', repeat: { cron: '0 * * * *', timezone: 'UTC' } }),
            newJob({ name: 'r' }),
            newJob({ name: 'r', repeat: every }),
          ],
          T0,
        );
        const ids = rows.map((r) => r.job.id);
        const repeating = (q: Partial<Parameters<Store['listJobs']>[0]> = {}) => store.listJobs({ repeating: true, limit: 10, offset: 0, ...q }).then((js) => js.map((j) => j.id));
        expect(await repeating()).toEqual([ids[4], ids[2], ids[1]]);
        expect(await repeating({ order: { by: 'createdAt', dir: 'asc' } })).toEqual([ids[1], ids[2], ids[4]]);
        expect(await repeating({ name: 'r' })).toEqual([ids[4], ids[1]]);
        expect(await repeating({ limit: 1, offset: 1 })).toEqual([ids[2]]);
        expect(await repeating({ text: 'S' })).toEqual([ids[2]]);
        expect(await repeating({ order: { by: 'name', dir: 'desc' } })).toEqual([ids[2], ids[4], ids[1]]);
        // A running and a cancelled repeating job are listed; a repeat added or cleared by update is followed.
        const claimed = await store.claim(claimRequest({ limit: 10, names: ['s'] }));
        expect(claimed.map((c) => c.id)).toEqual([ids[2]]);
        await store.cancel(ids[4]!, T0);
        await store.update(ids[0]!, { repeat: every }, T0);
        await store.update(ids[1]!, { repeat: null }, T0);
        expect(await repeating()).toEqual([ids[4], ids[2], ids[0]]);
        expect(await repeating({ status: ['running', 'cancelled'] })).toEqual([ids[4], ids[2]]);
        expect(await repeating({ status: ['pending'] })).toEqual([ids[0]]);
        await store.remove(ids[2]!);
        expect(await repeating()).toEqual([ids[4], ids[0]]);
      });
    });

    describe('retention (prune)', () => {
      /** A settlement whose history record completes when the job finishes. */
      const finish = (job: { id: string; lockToken: string }, status: Settlement['status'], at: number, extra: Partial<Settlement> = {}): Settlement => ({
        id: job.id,
        lockToken: job.lockToken,
        status,
        finishedAt: at,
        history: { status: status === 'completed' ? 'completed' : 'failed', attempt: 1, startedAt: T0, completedAt: at, error: null, stack: null, result: null, workerId: 'w1' },
        ...extra,
      });

      it('deletes finished jobs past their status cutoff with their history, and old history of live jobs', async () => {
        await store.insert([1, 2, 3, 4, 5].map((n) => newJob({ data: { n } })), T0);
        const jobs = (await store.claim(claimRequest({ limit: 5 }))).sort((a, b) => (a.data as { n: number }).n - (b.data as { n: number }).n);
        expect(jobs).toHaveLength(5);
        const [oldDone, newDone, oldFailed, retried, running] = jobs as [typeof jobs[0], typeof jobs[0], typeof jobs[0], typeof jobs[0], typeof jobs[0]];
        expect(
          await store.settle([
            finish(oldDone, 'completed', T0 + 10),
            finish(newDone, 'completed', T0 + 1000),
            finish(oldFailed, 'failed', T0 + 10),
            finish(retried, 'pending', T0 + 10, { nextRunAt: T0 + 100_000 }), // a retry: its old history record goes, it stays
          ]),
        ).toEqual([true, true, true, true]);
        const [{ job: cancelled }] = await store.insert([newJob({ name: 'other', nextRunAt: T0 + 50_000 })], T0);
        expect(await store.cancel(cancelled.id, T0 + 20)).not.toBeNull();

        // Only completed jobs are subject to retention here: failed and cancelled ones stay.
        expect(await store.prune({ finishedBefore: { completed: T0 + 500 }, historyBefore: null, limit: 100 })).toEqual({ jobs: 1, history: 0 });
        expect(await store.getJob(oldDone.id)).toBeNull();
        expect(await store.history(oldDone.id)).toEqual([]);
        expect(await store.getJob(oldFailed.id)).not.toBeNull();

        const result = await store.prune({ finishedBefore: { completed: T0 + 500, failed: T0 + 500, cancelled: T0 + 500 }, historyBefore: T0 + 500, limit: 100 });
        expect(result).toEqual({ jobs: 2, history: 1 });
        expect(await store.getJob(oldFailed.id)).toBeNull();
        expect(await store.getJob(cancelled.id)).toBeNull();
        expect((await store.getJob(newDone.id))?.status).toBe('completed');
        expect((await store.history(newDone.id)).map((h) => h.completedAt)).toEqual([T0 + 1000]);
        expect((await store.getJob(retried.id))?.status).toBe('pending');
        expect(await store.history(retried.id)).toEqual([]);
        expect((await store.getJob(running.id))?.status).toBe('running');
        expect(await store.countJobs()).toEqual({ pending: 1, running: 1, completed: 1, failed: 0, cancelled: 0, blocked: 0 });

        // Nothing left to delete: a no-op.
        expect(await store.prune({ finishedBefore: { completed: T0 + 500, failed: T0 + 500, cancelled: T0 + 500 }, historyBefore: T0 + 500, limit: 100 })).toEqual({ jobs: 0, history: 0 });
      });

      it('deletes at most `limit` per call, oldest first, and keeps what is not yet due', async () => {
        await store.insert([1, 2, 3, 4].map((n) => newJob({ data: { n } })), T0);
        const jobs = (await store.claim(claimRequest({ limit: 4 }))).sort((a, b) => (a.data as { n: number }).n - (b.data as { n: number }).n);
        await store.settle(jobs.map((job, i) => finish(job, 'completed', T0 + 10 * (i + 1))));
        const request = { finishedBefore: { completed: T0 + 35 }, historyBefore: null, limit: 2 };
        expect(await store.prune(request)).toEqual({ jobs: 2, history: 0 });
        expect(await store.prune(request)).toEqual({ jobs: 1, history: 0 });
        expect(await store.prune(request)).toEqual({ jobs: 0, history: 0 });
        expect((await store.listJobs({ limit: 10, offset: 0 })).map((j) => j.id)).toEqual([jobs[3]!.id]);
      });
    });

    describe('locks, migrations, health', () => {
      it('gives a named lock to one owner until it is released or expires', async () => {
        const other = await another();
        expect(await store.acquireLock('nightly', 'a', 1000, T0)).toBe(true);
        expect(await other.acquireLock('nightly', 'b', 1000, T0 + 10)).toBe(false);
        expect(await store.acquireLock('nightly', 'a', 1000, T0 + 20)).toBe(true); // re-entrant, extends
        expect(await other.releaseLock('nightly', 'b')).toBe(false);
        expect(await other.acquireLock('nightly', 'b', 1000, T0 + 1019)).toBe(false);
        expect(await other.acquireLock('nightly', 'b', 1000, T0 + 1021)).toBe(true); // a's lock expired
        expect(await store.releaseLock('nightly', 'a')).toBe(false);
        expect(await other.releaseLock('nightly', 'b')).toBe(true);
        const racers = await Promise.all([store, other, await another()].map((s, i) => s.acquireLock('race', `o${i}`, 10_000, T0)));
        expect(racers.filter(Boolean)).toHaveLength(1);
      });

      it('migrates once and reports nothing pending; init is idempotent', async () => {
        const status = await store.migrationStatus();
        expect(status.pending).toEqual([]);
        expect(status.applied.length).toBeGreaterThan(0);
        await store.init({ logger: silentLogger });
        const again = await store.migrate();
        expect(again.applied.map((m) => m.version)).toEqual(status.applied.map((m) => m.version));
        await store.ping();
      });
    });
  });
}
