/**
 * Runs whose outcome is on its way to the store still hold their jobs' locks. A store that records outcomes
 * more slowly than it hands out jobs must not let finished runs pile up: the worker stops claiming once one
 * prefetch of them waits (bounded memory, bounded locks), and lockLimit counts them like any job it holds.
 * The store here records nothing until the test lets it; every wait is on an event.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import type { ClaimRequest, ClaimedJob, Settlement } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { deferred } from './helpers.js';

/** A memory store whose settles wait for open(); it checks, at every claim, what its claimer would then hold. */
class SlowToSettle extends MemoryStore {
  private readonly gate = deferred();
  locked = 0;
  most = 0;

  open(): void {
    this.gate.resolve();
  }

  override async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const claimed = await super.claim(request);
    this.locked += claimed.length;
    this.most = Math.max(this.most, this.locked);
    return claimed;
  }

  override async settle(settlements: Settlement[]): Promise<boolean[]> {
    await this.gate.promise;
    const applied = await super.settle(settlements);
    this.locked -= applied.filter(Boolean).length;
    return applied;
  }
}

const schedulers: Scheduler[] = [];
afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((s) => s.stop({ graceful: false }).catch(() => undefined)));
});

/** Runs `jobs` no-op jobs with settles held back until `held` handlers have returned; answers the store. */
async function run(options: { concurrency: number; prefetch?: number; lockLimit?: number }, jobs: number, held: number) {
  const store = new SlowToSettle();
  const s = new Scheduler({ store, pollInterval: 20, ...options });
  schedulers.push(s);
  let ran = 0;
  let completed = 0;
  const reached = deferred();
  const all = deferred();
  s.define('noop', async () => {
    if (++ran === held) reached.resolve();
  });
  s.on('job:complete', () => {
    if (++completed === jobs) all.resolve();
  });
  await s.scheduleBulk(Array.from({ length: jobs }, (_, i) => ({ name: 'noop', data: { i } })));
  await s.start();
  await reached.promise;
  store.open();
  await all.promise;
  return { store, completed };
}

describe('outcomes on their way to the store', () => {
  it('stop the claims once a prefetch of them waits: the worker holds at most twice slots plus prefetch', async () => {
    // concurrency 5, prefetch 20: at most 2 × 25 jobs locked at once, however slow the settles.
    const { store, completed } = await run({ concurrency: 5, prefetch: 20 }, 400, 50);
    expect(completed).toBe(400);
    expect(store.most).toBeLessThanOrEqual(50);
    expect(store.locked).toBe(0);
  });

  it('count against lockLimit like running and claimed-ahead jobs', async () => {
    const { store, completed } = await run({ concurrency: 4, prefetch: 20, lockLimit: 8 }, 200, 8);
    expect(completed).toBe(200);
    expect(store.most).toBeLessThanOrEqual(8);
  });
});
