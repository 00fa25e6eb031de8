/**
 * A worker that wants many jobs (many slots; with short jobs, up to 10 × as many held ahead) asks the store
 * for at most MAX_CLAIM a call and claims again at once: each store call stays as costly per job as a worker's
 * usual one (PostgreSQL's claim grows superlinear past a few thousand jobs a statement, a Redis script holds
 * the server while it runs). Every wait is on an event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import type { ClaimRequest, ClaimedJob } from '../../src/core/store.js';
import { MAX_CLAIM } from '../../src/core/worker.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { deferred } from './helpers.js';

/** A memory store that records each claim's limit and how many jobs it answered. */
class Recording extends MemoryStore {
  readonly claims: { limit: number; got: number; afterIo: boolean }[] = [];
  private ioTurn = false;

  override async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const afterIo = this.ioTurn;
    const claimed = await super.claim(request);
    this.claims.push({ limit: request.limit, got: claimed.length, afterIo });
    // Whether the event loop reaches its check phase (I/O, then setImmediate) before the next claim.
    this.ioTurn = false;
    setImmediate(() => (this.ioTurn = true));
    return claimed;
  }
}

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop({ graceful: false }).catch(() => undefined)));
});

describe('the size of one claim', () => {
  it('is at most MAX_CLAIM; a worker that wants more claims again until it holds what it wants', async () => {
    const jobs = 3000;
    const store = new Recording();
    // 2,500 slots and no handler seen yet: the worker wants 2,500 jobs at its start.
    const s = new Scheduler({ store, concurrency: 2500, pollInterval: 60_000 });
    schedulers.push(s);
    const release = deferred();
    const all = deferred();
    let completed = 0;
    s.define('wait', async () => {
      await release.promise;
    });
    s.on('job:complete', () => {
      if (++completed === jobs) all.resolve();
    });
    await s.scheduleBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'wait', data: { i } })));
    const held = deferred();
    const check = setInterval(() => {
      if (store.claims.reduce((sum, c) => sum + c.got, 0) >= 2500) held.resolve();
    }, 5);
    await s.start();
    await held.promise;
    clearInterval(check);
    // Two full claims of MAX_CLAIM, then the rest of what the worker wanted, without waiting for a poll, each
    // after the event loop had a turn (a SQLite claim holds the thread while it runs).
    expect(store.claims.slice(0, 3)).toEqual([
      { limit: MAX_CLAIM, got: MAX_CLAIM, afterIo: false },
      { limit: MAX_CLAIM, got: MAX_CLAIM, afterIo: true },
      { limit: 500, got: 500, afterIo: true },
    ]);
    release.resolve();
    await all.promise;
    expect(completed).toBe(jobs);
    expect(Math.max(...store.claims.map((c) => c.limit))).toBeLessThanOrEqual(MAX_CLAIM);
  });
});
