/**
 * SQLite against the rules of issue 10 that the conformance suites did not pin: error stacks and the
 * maxAttempts a run used, trigger() and insert() against a held dedupe key, driver errors wrapped, data
 * returned byte for byte, and a store closed and opened again.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DedupeConflictError, StoreError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { NewJob } from '../../src/core/store.js';
import type { Json } from '../../src/core/types.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { migrate } from '../../src/stores/sqlite/migrate.js';
import { claimRequest, fileStore, historyEntry, newJob, settlement, T0 } from './sqlite.helpers.js';

let store: SqliteStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ store, dispose } = await fileStore());
});
afterEach(async () => {
  await dispose();
});

const STACK = 'Error: boom\n    at handler (job.ts:3:9)\n    at run (worker.ts:10:2)';

describe('sqlite: error stacks and the maxAttempts a run used', () => {
  it('stores lastErrorStack and maxAttempts from a settlement, returns them from every read, and clears the stack with null', async () => {
    const job = (await store.insert([newJob()], T0))[0]!.job;
    const [first] = await store.claim(claimRequest());
    const failed = await store.settle([
      settlement(job.id, first!.lockToken, {
        status: 'pending',
        nextRunAt: T0,
        lastError: 'boom',
        lastErrorStack: STACK,
        maxAttempts: 3,
        history: historyEntry({ status: 'failed', error: 'boom', stack: STACK }),
      }),
    ]);
    expect(failed).toEqual([true]);
    const stored = await store.getJob(job.id);
    expect(stored).toMatchObject({ lastError: 'boom', lastErrorStack: STACK, maxAttempts: 3 });
    expect((await store.listJobs({ limit: 10, offset: 0 }))[0]).toMatchObject({ lastErrorStack: STACK, maxAttempts: 3 });
    expect((await store.history(job.id))[0]).toMatchObject({ status: 'failed', error: 'boom', stack: STACK });

    const [second] = await store.claim(claimRequest({ now: T0 + 20 }));
    expect(second).toMatchObject({ lastErrorStack: STACK, maxAttempts: 3 });
    // maxAttempts left out keeps the stored value; lastError null clears the stack with it.
    await store.settle([settlement(job.id, second!.lockToken, { lastError: null, lastErrorStack: null, history: historyEntry({ attempt: 2 }) })]);
    expect(await store.getJob(job.id)).toMatchObject({ status: 'completed', lastError: null, lastErrorStack: null, maxAttempts: 3 });
    const history = await store.history(job.id);
    expect(history.map((h) => h.stack)).toEqual([STACK, null]);
  });

  it('lock-expiry recovery writes its own text and clears the stack', async () => {
    const job = (await store.insert([newJob()], T0))[0]!.job;
    const [first] = await store.claim(claimRequest());
    await store.settle([
      settlement(job.id, first!.lockToken, { status: 'pending', nextRunAt: T0, lastError: 'boom', lastErrorStack: STACK, history: null }),
    ]);
    await store.claim(claimRequest({ now: T0 + 20, lockLifetimeMs: 100, limit: 1 }));
    await store.claim(claimRequest({ now: T0 + 1_000, limit: 0 }));
    const recovered = await store.getJob(job.id);
    expect(recovered).toMatchObject({ status: 'pending', lastErrorStack: null });
    expect(recovered!.lastError).toMatch(/^lock expired/);
    expect((await store.history(job.id)).at(-1)).toMatchObject({ status: 'failed', stack: null });
  });

  it('records lost runs in job insertion order, whatever order their locks expired in (prune takes the oldest)', async () => {
    const [first, second] = await store.insert([newJob({ name: 'slow' }), newJob({ name: 'fast' })], T0);
    // 'slow' holds its lock longer, so the running index meets 'fast' first.
    await store.claim(claimRequest({ lockLifetimeMs: 1_000, lockLifetimes: { slow: 2_000 } }));
    await store.claim(claimRequest({ now: T0 + 40_000, limit: 0 }));
    const [a, b] = [(await store.history(first!.job.id))[0]!, (await store.history(second!.job.id))[0]!];
    expect(Number(a.id)).toBeLessThan(Number(b.id));
    expect(await store.prune({ finishedBefore: {}, historyBefore: T0 + 40_001, limit: 1 })).toEqual({ jobs: 0, history: 1 });
    expect(await store.history(first!.job.id)).toEqual([]);
    expect(await store.history(second!.job.id)).toHaveLength(1);
  });

  it('migrates a database made before the stack columns: old rows read null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hourglass-sqlite-'));
    const path = join(dir, 'old.db');
    try {
      const db = new Database(path);
      migrate(db, 3);
      db.prepare(
        `INSERT INTO hourglass_jobs (name, data, status, due_at, next_run_at, last_error, created_at, updated_at)
         VALUES ('old', '{"a":1}', 'failed', 1, 1, 'old error', 1, 1)`,
      ).run();
      db.prepare(`INSERT INTO hourglass_history (job_id, status, attempt, started_at, completed_at, duration, error, worker_id)
                  VALUES (1, 'failed', 1, 1, 1, 0, 'old error', 'w')`).run();
      db.close();
      const old = new SqliteStore({ path });
      await old.init({ logger: silentLogger });
      expect(await old.getJob('1')).toMatchObject({ lastError: 'old error', lastErrorStack: null });
      expect((await old.history('1'))[0]).toMatchObject({ error: 'old error', stack: null });
      expect((await old.migrationStatus()).pending).toEqual([]);
      await old.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite: a dedupe key has one live holder', () => {
  async function finishedAndHolder(finish: 'completed' | 'failed' | 'cancelled') {
    const [a] = await store.insert([newJob({ dedupeKey: 'k' })], T0);
    if (finish === 'cancelled') await store.cancel(a!.job.id, T0);
    else {
      const [claimed] = await store.claim(claimRequest());
      await store.settle([settlement(claimed!.id, claimed!.lockToken, { status: finish })]);
    }
    const [b] = await store.insert([newJob({ dedupeKey: 'k', data: { n: 2 } })], T0 + 1);
    expect(b!.created).toBe(true);
    return { finished: (await store.getJob(a!.job.id))!, holder: (await store.getJob(b!.job.id))! };
  }

  for (const finish of ['completed', 'failed', 'cancelled'] as const) {
    it(`trigger() of a ${finish} job whose key another job holds changes nothing and throws DedupeConflictError`, async () => {
      const { finished, holder } = await finishedAndHolder(finish);
      const error = await store.trigger(finished.id, T0 + 5).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DedupeConflictError);
      expect(error).toMatchObject({ code: 'DEDUPE_CONFLICT', jobId: finished.id, dedupeKey: 'k', holderId: holder.id });
      expect(await store.getJob(finished.id)).toEqual(finished);
      expect(await store.getJob(holder.id)).toEqual(holder);
    });
  }

  it('trigger() of a finished job runs it again once the holder finished too', async () => {
    const { finished, holder } = await finishedAndHolder('completed');
    await store.cancel(holder.id, T0 + 2);
    expect(await store.trigger(finished.id, T0 + 5)).toMatchObject({ id: finished.id, status: 'pending', attempts: 0, nextRunAt: T0 + 5 });
    // Its own key: a pending holder triggered is itself, no conflict.
    expect(await store.trigger(finished.id, T0 + 6)).toMatchObject({ id: finished.id, status: 'pending', nextRunAt: T0 + 6 });
  });

  it('insert() on a repeat key whose dedupe key another live job holds returns that holder and leaves the repeating job alone', async () => {
    const every = { every: 60_000 };
    const [repeating] = await store.insert([newJob({ name: 'tick', repeat: every, repeatKey: 'r', nextRunAt: T0 + 60_000, dueAt: T0 + 60_000 })], T0);
    const [holder] = await store.insert([newJob({ dedupeKey: 'k' })], T0);
    const before = await store.getJob(repeating!.job.id);
    const [result] = await store.insert([newJob({ name: 'tick', data: { v: 2 }, repeat: { every: 5_000 }, repeatKey: 'r', dedupeKey: 'k' })], T0 + 1);
    expect(result).toEqual({ job: await store.getJob(holder!.job.id), created: false });
    expect(result!.job).toEqual(holder!.job);
    expect(await store.getJob(repeating!.job.id)).toEqual(before);
  });

  it('insert() on a repeat key whose dedupe key it holds itself updates it as usual', async () => {
    const [repeating] = await store.insert([newJob({ name: 'tick', repeat: { every: 1000 }, repeatKey: 'r', dedupeKey: 'k' })], T0);
    const [again] = await store.insert([newJob({ name: 'tick', data: { v: 2 }, repeat: { every: 1000 }, repeatKey: 'r', dedupeKey: 'k' })], T0 + 1);
    expect(again).toMatchObject({ created: false, job: { id: repeating!.job.id, data: { v: 2 }, dedupeKey: 'k' } });
  });
});

describe('sqlite: driver errors leave as StoreError', () => {
  it('wraps a constraint violation, naming the store and the operation', async () => {
    const error = await store.insert([newJob({ name: null as unknown as string })], T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'STORE_ERROR' });
    expect((error as Error).message).toMatch(/^sqlite insert failed: /);
    expect((error as Error).cause).toMatchObject({ code: 'SQLITE_CONSTRAINT_NOTNULL' });
    expect(await store.countJobs()).toMatchObject({ pending: 0 });
  });

  it('wraps a bad parameter (a value SQLite cannot bind)', async () => {
    const error = await store.update('1', { priority: {} as unknown as number }, T0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    const bad = await store.setPaused(Symbol('x') as unknown as string, true).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(StoreError);
    expect((bad as Error).message).toMatch(/^sqlite setPaused failed: /);
  });
});

describe('sqlite: data comes back exactly as given', () => {
  const data: Json = {
    zeta: 1,
    alpha: { y: [3, { c: 1, b: 2, a: null }], x: 'ü\u2028\u0000"\\', '': 'empty key' },
    '10': 'integer-like key',
    big: 12345678901234567890,
    small: -0.000001,
    nested: [[], {}, [{ z: true, a: false }]],
  };
  const bytes = JSON.stringify(data);

  it('data, result, progress and the history result keep their bytes, key order included', async () => {
    const [inserted] = await store.insert([newJob({ data })], T0);
    expect(JSON.stringify(inserted!.job.data)).toBe(bytes);
    const [claimed] = await store.claim(claimRequest());
    expect(JSON.stringify(claimed!.data)).toBe(bytes);
    expect(await store.saveProgress(claimed!.id, claimed!.lockToken, data, T0 + 1)).toBe(true);
    expect(JSON.stringify((await store.getJob(claimed!.id))!.progress)).toBe(bytes);
    await store.settle([settlement(claimed!.id, claimed!.lockToken, { result: data, history: historyEntry({ result: data }) })]);
    const job = (await store.getJob(claimed!.id))!;
    expect([job.data, job.result, job.progress].map((v) => JSON.stringify(v))).toEqual([bytes, bytes, bytes]);
    expect(JSON.stringify((await store.listJobs({ limit: 1, offset: 0 }))[0]!.result)).toBe(bytes);
    expect(JSON.stringify((await store.history(claimed!.id))[0]!.result)).toBe(bytes);
    await store.update(claimed!.id, { data }, T0 + 2);
    expect(JSON.stringify((await store.getJob(claimed!.id))!.data)).toBe(bytes);
  });
});

describe('sqlite: close() and init() again', () => {
  const job: NewJob = newJob({ data: { kept: true } });

  it('a file store reopens on its data; calls while closed fail as StoreError', async () => {
    const [r] = await store.insert([job], T0);
    await store.close();
    await store.close();
    for (const call of [() => store.getJob(r!.job.id), () => store.insert([job], T0), () => store.claim(claimRequest()), () => store.ping()]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
    }
    await store.init({ logger: silentLogger });
    expect(await store.getJob(r!.job.id)).toMatchObject({ data: { kept: true } });
    expect(await store.claim(claimRequest())).toHaveLength(1);
  });

  it(':memory: opens empty again (its data went with the connection) and works', async () => {
    const memory = new SqliteStore({ path: ':memory:' });
    await memory.init({ logger: silentLogger });
    const [r] = await memory.insert([job], T0);
    await memory.close();
    await memory.init({ logger: silentLogger });
    expect(await memory.getJob(r!.job.id)).toBeNull();
    expect(await memory.countJobs()).toMatchObject({ pending: 0 });
    const [again] = await memory.insert([job], T0);
    expect(again!.created).toBe(true);
    const [claimed] = await memory.claim(claimRequest());
    expect(await memory.settle([settlement(claimed!.id, claimed!.lockToken)])).toEqual([true]);
    expect((await memory.migrationStatus()).pending).toEqual([]);
    await memory.close();
  });
});
