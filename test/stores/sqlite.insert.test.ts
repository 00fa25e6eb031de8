/**
 * The SQLite insert writes runs of keyless jobs with one statement (insert-plain.sql) and builds their records
 * from what it wrote, not from rows read back; keyed jobs go one by one by the rules. Every record insert answers
 * must be what the stored row says (getJob's own mapping), ids must follow the batch's order across runs of both
 * kinds, and a run longer than one statement takes (5,000) must still be written whole, in order.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewJob } from '../../src/core/store.js';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { fileStore, newJob, T0 } from './sqlite.helpers.js';

let store: SqliteStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ store, dispose } = await fileStore());
});
afterEach(async () => {
  await dispose();
});

describe('SQLite insert', () => {
  it('answers every job of a mixed batch as stored, ids in batch order, keyed jobs by the rules', async () => {
    const batch: NewJob[] = [
      newJob({
        name: 'full', data: { b: 2, a: [1, { c: null }], s: 'quote " and \\u2028' }, priority: 7, maxAttempts: 4,
        backoff: { type: 'fixed', delay: 250 }, timeoutMs: 1_500, label: 'a label', trace: '{"traceparent":"00-x"}',
        group: 'tenant-1', dueAt: T0 + 5, nextRunAt: T0 + 9,
      }),
      newJob({ name: 'plain', data: null }),
      newJob({ name: 'keyed', dedupeKey: 'k', dedupeForMs: 1_000 }),
      newJob({ name: 'keyed-again', dedupeKey: 'k' }),
      newJob({ name: 'plain-after', data: [1, 2, 3] }),
      newJob({ name: 'every', repeat: { every: 60_000 }, repeatKey: 'rk' }),
      newJob({ name: 'last', data: 'text' }),
    ];
    const results = await store.insert(batch, T0);
    expect(results.map((r) => r.created)).toEqual([true, true, true, false, true, true, true]);
    // The second job of key k is answered with the first, unchanged.
    expect(results[3]!.job.id).toBe(results[2]!.job.id);
    const created = results.filter((r) => r.created).map((r) => Number(r.job.id));
    expect(created).toEqual([...created].sort((a, b) => a - b));
    for (const { job } of results) expect(job).toStrictEqual(await store.getJob(job.id));
    expect(results[0]!.job).toMatchObject({ status: 'pending', attempts: 0, group: 'tenant-1', label: 'a label', createdAt: T0, updatedAt: T0 });
  });

  it('writes a run of keyless jobs longer than one statement takes, whole and in order', async () => {
    const count = 12_345;
    const results = await store.insert(Array.from({ length: count }, (_, i) => newJob({ name: 'bulk', data: { i } })), T0);
    expect(results).toHaveLength(count);
    const ids = results.map((r) => Number(r.job.id));
    for (let i = 1; i < count; i++) expect(ids[i]).toBe(ids[i - 1]! + 1);
    expect(results.map((r) => (r.job.data as { i: number }).i)).toEqual(Array.from({ length: count }, (_, i) => i));
    for (const i of [0, 4_999, 5_000, 9_999, 10_000, count - 1]) expect(results[i]!.job).toStrictEqual(await store.getJob(results[i]!.job.id));
    expect((await store.countJobs('bulk')).pending).toBe(count);
  });
});
