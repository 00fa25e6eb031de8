/**
 * The prefetch default comes from the store (Store.defaultPrefetch): SQLite batches up to 300 short jobs a
 * claim, PostgreSQL 500, a store without one holds 10 × concurrency, and the `prefetch` option always wins.
 * Observed through the claims a real store receives; jobs are no-ops, so the buffer's ~50 ms of work is
 * always more than the cap.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import type { ClaimedJob, ClaimRequest, Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop({ graceful: false }).catch(() => undefined)));
});

/** The store, its claims (alone or after a settle) recording each request's limit. */
function recording<S extends Store>(store: S): { store: S; limits: number[] } {
  const limits: number[] = [];
  const claim = store.claim.bind(store);
  store.claim = (request: ClaimRequest): Promise<ClaimedJob[]> => {
    limits.push(request.limit);
    return claim(request);
  };
  const settleAndClaim = store.settleAndClaim?.bind(store);
  if (settleAndClaim) {
    store.settleAndClaim = (settlements, request) => {
      limits.push(request.limit);
      return settleAndClaim(settlements, request);
    };
  }
  return { store, limits };
}

/** Runs `count` no-op jobs with one slot and returns the largest claim asked for. */
async function largestClaim(store: Store, count: number, options: Partial<SchedulerOptions> = {}): Promise<number> {
  const { limits } = recording(store);
  const s = new Scheduler({ store, concurrency: 1, ...options });
  schedulers.push(s);
  let done = 0;
  let all!: () => void;
  const finished = new Promise<void>((resolve) => (all = resolve));
  s.define('quick', async () => {
    if (++done === count) all();
  });
  await s.scheduleBulk(Array.from({ length: count }, (_, i) => ({ name: 'quick', data: { i } })));
  await s.start();
  await finished;
  return Math.max(...limits);
}

describe('prefetch default', () => {
  it("takes the store's default beyond 10 × concurrency (SQLite: 300), never more", async () => {
    const store = new SqliteStore({ path: ':memory:' });
    expect(store.defaultPrefetch).toBe(300);
    const largest = await largestClaim(store, 3000);
    expect(largest).toBeGreaterThan(1 + 10);
    expect(largest).toBeLessThanOrEqual(1 + 300);
  });

  it('holds 10 × concurrency ahead on a store without a default', async () => {
    // Read through the Store interface: MemoryStore declares no defaultPrefetch at all.
    const store: Store = new MemoryStore();
    expect(store.defaultPrefetch).toBeUndefined();
    expect(await largestClaim(store, 300)).toBeLessThanOrEqual(1 + 10);
  });

  it('lets the prefetch option win over the store', async () => {
    expect(await largestClaim(new SqliteStore({ path: ':memory:' }), 300, { prefetch: 3 })).toBeLessThanOrEqual(1 + 3);
    expect(await largestClaim(new SqliteStore({ path: ':memory:' }), 100, { prefetch: 0 })).toBe(1);
  });

  it('keeps within lockLimit whatever the store asks', async () => {
    expect(await largestClaim(new SqliteStore({ path: ':memory:' }), 500, { lockLimit: 40 })).toBeLessThanOrEqual(40);
  });
});
