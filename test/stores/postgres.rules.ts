/**
 * PostgresStore and the rules of issue 10 ("One set of rules"): exact JSON, error stacks and the maxAttempts a
 * run used, trigger and insert against a dedupe key another job holds, how errors leave the store, and a
 * store closed and opened again. Registered by postgres.test.ts.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DedupeConflictError, StoreError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimRequest, JobRecord, Settlement } from '../../src/core/store.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { PG_URL, adminQuery } from './postgres.factory.js';
import { T0, newJob, openStore, usePostgresStores, waitFor } from './postgres.helpers.js';

/** Keys deliberately out of alphabetical order, at two levels: jsonb would hand back { a: { c, d }, b }. */
const ORDERED = { b: 1, a: { d: 2, c: 3 } };
const ORDERED_TEXT = JSON.stringify(ORDERED);

const text = (value: unknown) => JSON.stringify(value);

function claimRequest(extra: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now: T0, workerId: 'w1', lockToken: randomUUID(), limit: 10, names: null, limits: [], lockLifetimeMs: 30_000, ...extra };
}

function failed(id: string, lockToken: string, extra: Partial<Settlement> = {}): Settlement {
  return {
    id,
    lockToken,
    status: 'pending',
    nextRunAt: T0 + 1000,
    finishedAt: T0 + 10,
    lastError: 'boom',
    lastErrorStack: 'Error: boom\n    at handler (job.ts:1:1)',
    maxAttempts: 3,
    history: { status: 'failed', attempt: 1, startedAt: T0, completedAt: T0 + 10, error: 'boom', stack: 'Error: boom\n    at handler (job.ts:1:1)', result: null, workerId: 'w1' },
    ...extra,
  };
}

export function describePostgresRules(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore (one set of rules)', () => {
    const { fresh, open, keep } = usePostgresStores();

    describe('data, result and progress come back exactly as given, key order included', () => {
      it('through insert, getJob, listJobs, claim, progress, settle, history and update', async () => {
        const store = await open();
        const [inserted] = await store.insert([newJob('exact', { data: ORDERED })], T0);
        expect(text(inserted!.job.data)).toBe(ORDERED_TEXT);
        expect(text((await store.getJob(inserted!.job.id))!.data)).toBe(ORDERED_TEXT);
        expect(text((await store.listJobs({ limit: 10, offset: 0 }))[0]!.data)).toBe(ORDERED_TEXT);

        const [claimed] = await store.claim(claimRequest());
        expect(text(claimed!.data)).toBe(ORDERED_TEXT);
        expect(await store.saveProgress(claimed!.id, claimed!.lockToken, { z: 1, y: [{ q: 1, p: 2 }] }, T0)).toBe(true);
        expect(text((await store.getJob(claimed!.id))!.progress)).toBe('{"z":1,"y":[{"q":1,"p":2}]}');

        const result = { zeta: true, alpha: { two: 2, one: 1 } };
        const [applied] = await store.settle([
          {
            id: claimed!.id,
            lockToken: claimed!.lockToken,
            status: 'completed',
            finishedAt: T0 + 5,
            result,
            history: { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 5, error: null, stack: null, result, workerId: 'w1' },
          },
        ]);
        expect(applied).toBe(true);
        expect(text((await store.getJob(claimed!.id))!.result)).toBe(text(result));
        expect(text((await store.history(claimed!.id))[0]!.result)).toBe(text(result));

        const updated = await store.update(claimed!.id, { data: { y: 1, x: 0 } }, T0 + 6);
        expect(text(updated!.data)).toBe('{"y":1,"x":0}');
      });

      it('through settleAndClaim and a repeat-key upsert', async () => {
        const store = await open();
        const [first] = await store.insert([newJob('exact', { data: ORDERED })], T0);
        const [claimed] = await store.claim(claimRequest({ limit: 1 }));
        const [second] = await store.insert([newJob('exact', { data: { k: 2, j: 1 } })], T0);
        const result = { second: 2, first: 1 };
        const { settled, claimed: next } = await store.settleAndClaim(
          [{ id: claimed!.id, lockToken: claimed!.lockToken, status: 'completed', finishedAt: T0 + 1, result, history: { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 1, error: null, stack: null, result, workerId: 'w1' } }],
          claimRequest({ limit: 1 }),
        );
        expect(settled).toEqual([true]);
        expect(next.map((j) => [j.id, text(j.data)])).toEqual([[second!.job.id, '{"k":2,"j":1}']]);
        expect(text((await store.getJob(first!.job.id))!.result)).toBe(text(result));
        expect(text((await store.history(first!.job.id))[0]!.result)).toBe(text(result));

        const [repeat] = await store.insert([newJob('tick', { repeatKey: 'tick', repeat: { every: 1000 }, data: { v: 1, u: 0 } })], T0);
        const [again] = await store.insert([newJob('tick', { repeatKey: 'tick', repeat: { every: 1000 }, data: ORDERED })], T0);
        expect(again!.job.id).toBe(repeat!.job.id);
        expect(text(again!.job.data)).toBe(ORDERED_TEXT);
      });
    });

    describe('error stacks and the maxAttempts a run used', () => {
      it('settle stores lastErrorStack and maxAttempts; every read returns them; null clears, undefined keeps', async () => {
        const store = await open();
        const [job] = await store.insert([newJob('stack')], T0);
        expect(job!.job.lastErrorStack).toBeNull();
        expect(job!.job.maxAttempts).toBeNull();
        const [claimed] = await store.claim(claimRequest());
        expect(claimed!.lastErrorStack).toBeNull();
        expect(await store.settle([failed(claimed!.id, claimed!.lockToken)])).toEqual([true]);

        const expected = { lastError: 'boom', lastErrorStack: 'Error: boom\n    at handler (job.ts:1:1)', maxAttempts: 3 };
        expect(await store.getJob(job!.job.id)).toMatchObject(expected);
        expect((await store.listJobs({ limit: 10, offset: 0 }))[0]).toMatchObject(expected);
        expect(await store.history(job!.job.id)).toEqual([
          expect.objectContaining({ status: 'failed', error: 'boom', stack: 'Error: boom\n    at handler (job.ts:1:1)' }),
        ]);
        expect((await store.update(job!.job.id, { priority: 2 }, T0 + 20))!).toMatchObject(expected);
        expect((await store.trigger(job!.job.id, T0 + 20))!).toMatchObject(expected);
        const [again] = await store.claim(claimRequest({ now: T0 + 20 }));
        expect(again).toMatchObject(expected);

        // lastError given without a stack keeps the stack (undefined keeps); then null clears both.
        await store.settle([failed(again!.id, again!.lockToken, { lastError: 'other', lastErrorStack: undefined, maxAttempts: undefined })]);
        expect(await store.getJob(job!.job.id)).toMatchObject({ ...expected, lastError: 'other' });
        const [third] = await store.claim(claimRequest({ now: T0 + 2000 }));
        await store.settle([failed(third!.id, third!.lockToken, { status: 'completed', lastError: null, lastErrorStack: null })]);
        expect(await store.getJob(job!.job.id)).toMatchObject({ lastError: null, lastErrorStack: null, maxAttempts: 3 });
        expect((await store.cancel(job!.job.id, T0 + 3000))!.job).toMatchObject({ lastErrorStack: null, maxAttempts: 3 });
      });

      it('lock-expiry recovery writes its "lock expired" text and no stack, whether or not the job is re-claimed at once', async () => {
        const store = await open();
        const [a, b] = await store.insert([newJob('lost'), newJob('lost')], T0);
        const claimed = await store.claim(claimRequest({ lockLifetimeMs: 100 }));
        expect(claimed).toHaveLength(2);
        // Give both a stack from an earlier failed attempt, then let their locks expire.
        await store.settle(claimed.map((j) => failed(j.id, j.lockToken, { nextRunAt: T0 })));
        const running = await store.claim(claimRequest({ workerId: 'gone', lockLifetimeMs: 100 }));
        expect(running).toHaveLength(2);
        // A claim of one: recovers both, re-claims one of them.
        const [retaken] = await store.claim(claimRequest({ now: T0 + 1000, limit: 1 }));
        const text = 'lock expired: worker gone stopped renewing it';
        expect(retaken).toMatchObject({ lastError: text, lastErrorStack: null });
        const other = retaken!.id === a!.job.id ? b! : a!;
        expect(await store.getJob(other.job.id)).toMatchObject({ status: 'pending', lastError: text, lastErrorStack: null });
        for (const id of [a!.job.id, b!.job.id]) {
          expect((await store.history(id)).at(-1)).toMatchObject({ status: 'failed', error: text, stack: null });
        }
      });
    });

    describe('a dedupe key held by another live job', () => {
      it('trigger of a finished job throws DedupeConflictError naming the holder and changes nothing', async () => {
        const store = await open();
        const [first] = await store.insert([newJob('once', { dedupeKey: 'k' })], T0);
        await store.cancel(first!.job.id, T0);
        const [holder] = await store.insert([newJob('once', { dedupeKey: 'k' })], T0);
        const before = await store.getJob(first!.job.id);
        const error = await store.trigger(first!.job.id, T0 + 5).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(DedupeConflictError);
        expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', jobId: first!.job.id, dedupeKey: 'k', holderId: holder!.job.id });
        expect(await store.getJob(first!.job.id)).toEqual(before);
        expect(await store.getJob(holder!.job.id)).toEqual(holder!.job);

        // The same while the holder runs; and once it finished, trigger works.
        const [running] = await store.claim(claimRequest());
        await expect(store.trigger(first!.job.id, T0 + 6)).rejects.toMatchObject({ code: 'DEDUPE_CONFLICT', holderId: holder!.job.id });
        await store.settle([{ id: running!.id, lockToken: running!.lockToken, status: 'completed', finishedAt: T0 + 7, history: null }]);
        expect(await store.trigger(first!.job.id, T0 + 8)).toMatchObject({ status: 'pending', nextRunAt: T0 + 8 });
      });

      it('insert with a repeat key returns the other holder of its dedupe key and leaves the repeating job alone', async () => {
        const store = await open();
        const [repeating] = await store.insert([newJob('tick', { repeatKey: 'r', repeat: { every: 1000 }, dedupeKey: 'mine' })], T0);
        const [holder] = await store.insert([newJob('other', { dedupeKey: 'taken' })], T0);
        const before = await store.getJob(repeating!.job.id);
        const [result] = await store.insert([newJob('tick', { repeatKey: 'r', repeat: { every: 2000 }, dedupeKey: 'taken', data: 2 })], T0 + 1);
        expect(result).toEqual({ job: holder!.job, created: false });
        expect(await store.getJob(repeating!.job.id)).toEqual(before);

        // Also when the repeating job had finished, when it is new, and within one batch.
        await store.cancel(repeating!.job.id, T0 + 2);
        const cancelled = await store.getJob(repeating!.job.id);
        const [again] = await store.insert([newJob('tick', { repeatKey: 'r', repeat: { every: 1000 }, dedupeKey: 'taken' })], T0 + 3);
        expect(again!.job.id).toBe(holder!.job.id);
        expect(await store.getJob(repeating!.job.id)).toEqual(cancelled);
        const [fresh] = await store.insert([newJob('new', { repeatKey: 'new', repeat: { every: 1000 }, dedupeKey: 'taken' })], T0 + 3);
        expect(fresh).toEqual({ job: holder!.job, created: false });
        const batch = await store.insert(
          [newJob('p', { dedupeKey: 'b' }), newJob('q', { repeatKey: 'q', repeat: { every: 1000 }, dedupeKey: 'b' }), newJob('p', { dedupeKey: 'b' })],
          T0 + 4,
        );
        expect(batch.map((r) => r.created)).toEqual([true, false, false]);
        expect(new Set(batch.map((r) => r.job.id)).size).toBe(1);
        const live = await store.listJobs({ status: ['pending', 'running'], limit: 100, offset: 0 });
        expect(live.filter((j) => j.dedupeKey === 'taken').map((j) => j.id)).toEqual([holder!.job.id]);
      });

      it('never leaves two live holders, nor a raw driver error, when triggers and inserts of one key race', async () => {
        const schema = fresh();
        const racers = await Promise.all(Array.from({ length: 4 }, () => openStore(schema, 2)));
        keep(...racers);
        const [seed] = racers;
        for (let round = 0; round < 10; round++) {
          const key = `race-${round}`;
          const finished = await seed!.insert([newJob('r', { dedupeKey: key }), newJob('r', { dedupeKey: `${key}-b` })], T0);
          for (const f of finished) await seed!.cancel(f.job.id, T0);
          await adminQuery(`UPDATE "${schema}".jobs SET dedupe_key = $1 WHERE dedupe_key = $2`, [key, `${key}-b`]);
          const outcomes = await Promise.allSettled([
            racers[0]!.trigger(finished[0]!.job.id, T0 + 1),
            racers[1]!.trigger(finished[1]!.job.id, T0 + 1),
            racers[2]!.insert([newJob('r', { dedupeKey: key })], T0 + 1),
            racers[3]!.insert([newJob('r', { repeatKey: key, repeat: { every: 1000 }, dedupeKey: key })], T0 + 1),
          ]);
          for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(DedupeConflictError);
          const live = await adminQuery(`SELECT id FROM "${schema}".jobs WHERE dedupe_key = $1 AND status IN ('pending', 'running')`, [key]);
          expect(live).toHaveLength(1);
        }
      });
    });

    describe('errors', () => {
      it('every driver error leaves as StoreError "postgres <operation> failed: …" with the driver error as cause', async () => {
        const store = await open();
        const [job] = await store.insert([newJob('e')], T0);
        await adminQuery(`DROP TABLE "${store.schema}".jobs CASCADE`);
        const calls: [string, () => Promise<unknown>][] = [
          ['getJob', () => store.getJob(job!.job.id)],
          ['insert', () => store.insert([newJob('e')], T0)],
          ['claim', () => store.claim(claimRequest())],
          ['listJobs', () => store.listJobs({ limit: 1, offset: 0 })],
          ['cancel', () => store.cancel(job!.job.id, T0)],
          ['trigger', () => store.trigger(job!.job.id, T0)],
        ];
        for (const [operation, call] of calls) {
          const error = (await call().catch((e: unknown) => e)) as StoreError;
          expect(error).toBeInstanceOf(StoreError);
          expect(error.code).toBe('STORE_ERROR');
          expect(error.message).toMatch(new RegExp(`^postgres ${operation} failed: `));
          // The claim runs in claim_jobs(), which returns the table's row type: DROP … CASCADE took it along.
          expect((error.cause as { code?: string }).code).toBe(operation === 'claim' ? '42883' : '42P01');
        }
      });

      it('keeps data, results and progress that jsonb refused (U+0000, a lone surrogate); INVALID_DATA where text cannot hold them', async () => {
        const store = await open();
        const odd = { s: 'a\u0000b', t: '\udc00', '\u0000': ['\ud800x'] };
        const [job] = await store.insert([newJob('odd', { data: odd }), newJob('odd')], T0);
        expect(text((await store.getJob(job!.job.id))!.data)).toBe(text(odd));
        const [claimed] = await store.claim(claimRequest({ limit: 1 }));
        expect(await store.saveProgress(claimed!.id, claimed!.lockToken, odd, T0)).toBe(true);
        expect(
          await store.settle([
            { id: claimed!.id, lockToken: claimed!.lockToken, status: 'completed', finishedAt: T0 + 1, result: odd, history: { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 1, error: null, stack: null, result: odd, workerId: 'w1' } },
          ]),
        ).toEqual([true]);
        const stored = (await store.getJob(claimed!.id))!;
        expect([stored.data, stored.result, stored.progress, (await store.history(claimed!.id))[0]!.result].map(text)).toEqual(Array(4).fill(text(odd)));
        // Text columns (names, keys, error texts) and jsonb ones (repeat) cannot hold them: bad input, said so.
        for (const bad of [newJob('a\u0000b'), newJob('n', { dedupeKey: '\udc00' }), newJob('n', { repeatKey: 'r', repeat: { cron: '\u0000' } as never })]) {
          await expect(store.insert([bad], T0)).rejects.toMatchObject({ code: 'INVALID_DATA' });
        }
      });
    });

    describe('close() then init() again', () => {
      async function reopens(store: PostgresStore): Promise<JobRecord> {
        await store.init({ logger: silentLogger });
        const [job] = await store.insert([newJob('before')], T0);
        let wakes = 0;
        await store.subscribe(() => wakes++);
        await store.close();
        await store.init({ logger: silentLogger });
        expect(await store.getJob(job!.job.id)).toEqual(job!.job);
        const unsubscribe = await store.subscribe(() => wakes++);
        const [after] = await store.insert([newJob('after')], Date.now());
        await waitFor(() => wakes > 0, 3000, 'a wake-up after the reopen');
        await unsubscribe();
        return after!.job;
      }

      it('works with a pool the store owns', async () => {
        const schema = fresh();
        const store = new PostgresStore({ connectionString: PG_URL, schema, poolSize: 2 });
        keep(store);
        const job = await reopens(store);
        expect((await store.claim(claimRequest({ now: Date.now() }))).map((j) => j.id)).toContain(job.id);
      });

      it('works with a pool the user gave, which it never ends', async () => {
        const pool = new pg.Pool({ connectionString: PG_URL, max: 2 });
        try {
          const schema = fresh();
          const store = new PostgresStore({ pool, schema });
          await reopens(store);
          await store.close();
          expect(pool.ended).toBe(false);
          expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
        } finally {
          await pool.end();
        }
      });
    });
  });
}
