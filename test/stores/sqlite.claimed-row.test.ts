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
