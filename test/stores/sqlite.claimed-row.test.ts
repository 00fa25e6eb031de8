/**
 * The SQLite claim reads its rows as arrays (claim-ids.sql's RETURNING list, read by position in rows.ts):
 * every field of a claimed job must be what the stored row says once claimed (read back through getJob's own
 * mapping), plus the lock token. A column added to the list in one place and not the other shows here.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { claimRequest, fileStore, newJob, settlement, T0 } from './sqlite.helpers.js';

let store: SqliteStore;
let dispose: () => Promise<void>;

beforeEach(async () => {
  ({ store, dispose } = await fileStore());
});
afterEach(async () => {
  await dispose();
});

describe('SQLite claimed rows', () => {
  it('give every field of the claimed job as the stored row has it, with the lock token', async () => {
    const [{ job }] = await store.insert(
      [
        newJob({
          name: 'full',
          data: { b: 2, a: [1, { c: null }] },
          priority: 7,
          maxAttempts: 4,
          backoff: { type: 'fixed', delay: 250 },
          timeoutMs: 1_500,
          dedupeKey: 'k1',
          dedupeForMs: 60_000,
          label: 'a label',
          trace: '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}',
          group: 'tenant-1',
          dueAt: T0 - 5,
          nextRunAt: T0 - 5,
        }),
      ],
      T0 - 10,
    );
    // A first run fails, so the second claim sees an error, a finish time and a stored attempt count.
    const first = claimRequest({ now: T0, names: ['full'], lockLifetimes: { full: 12_345 } });
    const [run1] = await store.claim(first);
    expect(run1!.id).toBe(job.id);
    await store.settle([settlement(job.id, first.lockToken, { status: 'pending', nextRunAt: T0 + 1, lastError: 'boom', lastErrorStack: 'Error: boom\n    at x', finishedAt: T0 + 1 })]);
    const second = claimRequest({ now: T0 + 2, names: ['full'], lockLifetimes: { full: 12_345 } });
    const [claimed] = await store.claim(second);
    const stored = await store.getJob(job.id);
    expect(claimed).toStrictEqual({ ...stored, lockToken: second.lockToken });
    expect(claimed).toMatchObject({ status: 'running', attempts: 2, lockedBy: 'w1', lockedUntil: T0 + 2 + 12_345, lastRunAt: T0 + 2, updatedAt: T0 + 2, lastError: 'boom', group: 'tenant-1' });
  });

  // claim-ids.sql returns the columns most jobs leave empty as one value: NULL when all are, else a JSON array.
  it('give a job with none of the rarely set fields, and one with the others set, as the stored rows have them', async () => {
    const [{ job: plain }, { job: repeating }] = await store.insert(
      [
        newJob({ name: 'plain', data: { n: 1 } }),
        newJob({ name: 'repeating', repeat: { every: 60_000 }, repeatKey: 'every-minute', dueAt: T0 - 5, nextRunAt: T0 - 5 }),
      ],
      T0 - 10,
    );
    const request = claimRequest({ now: T0, names: ['plain'] });
    const [claimedPlain] = await store.claim(request);
    expect(claimedPlain).toStrictEqual({ ...(await store.getJob(plain.id)), lockToken: request.lockToken });
    expect(claimedPlain).toMatchObject({ backoff: null, repeat: null, group: null, result: null, waitingFor: 0 });

    // A cycle that saved progress and a result (with a character JSON escapes) before the next one is claimed.
    const first = claimRequest({ now: T0, names: ['repeating'] });
    const [run1] = await store.claim(first);
    expect(await store.saveProgress(repeating.id, first.lockToken, { done: 0.5, note: 'half "way"' }, T0 + 1)).toBe(true);
    await store.settle([
      settlement(repeating.id, first.lockToken, { status: 'pending', nextRunAt: T0 + 2, dueAt: T0 + 2, attempts: 0, result: { ok: 'yes\n' }, finishedAt: T0 + 2 }),
    ]);
    expect(run1!.repeat).toEqual({ every: 60_000 });
    const second = claimRequest({ now: T0 + 3, names: ['repeating'] });
    const [claimedRepeating] = await store.claim(second);
    expect(claimedRepeating).toStrictEqual({ ...(await store.getJob(repeating.id)), lockToken: second.lockToken });
    expect(claimedRepeating).toMatchObject({ repeatKey: 'every-minute', result: { ok: 'yes\n' }, progress: { done: 0.5, note: 'half "way"' }, lastFinishedAt: T0 + 2 });
  });

  it('come back in claim order: priority, then due time, then insertion order', async () => {
    const inserted = await store.insert(
      [
        newJob({ priority: 0, nextRunAt: T0 - 1 }),
        newJob({ priority: 5, nextRunAt: T0 - 1 }),
        newJob({ priority: 5, nextRunAt: T0 - 3 }),
        newJob({ priority: 0, nextRunAt: T0 - 1 }),
      ],
      T0 - 10,
    );
    const ids = inserted.map((r) => r.job.id);
    const claimed = await store.claim(claimRequest());
    expect(claimed.map((j) => j.id)).toEqual([ids[2], ids[1], ids[0], ids[3]]);
  });
});
