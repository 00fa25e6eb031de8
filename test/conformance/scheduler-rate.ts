/**
 * Global rate limits (rateLimit with scope 'global', src/core/rules/rate.ts), on every store: at most `max` claims
 * in any window of `per`, counted in the store, per name or (by: 'group') per group; a throttled name holds
 * nothing and delays no other name; the caps compose. Store-level cases drive Store.claim with a fixed clock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { Scheduler } from '../../src/core/scheduler.js';
import type { ClaimRequest, NameLimit, Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from './factory.js';
import { useHarness } from './scheduler-contract.js';
import { newJob } from './store-contract.js';

const T0 = 1_800_000_000_000;

function request(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now: T0, workerId: 'w1', lockToken: randomUUID(), limit: 10, names: ['work', 'other'], limits: [], lockLifetimeMs: 30_000, ...overrides };
}

const rated = (max: number, more: Partial<NameLimit> = {}, byGroup = false): NameLimit[] => [
  { name: 'work', rate: { max, perMs: 1000, ...(byGroup ? { byGroup: true } : {}) }, ...more },
];

export async function describeSchedulerRate(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: global rate limits`, () => {
    const h = useHarness(factory);
    let store: Store;
    const setup = async () => {
      store = h.created.store;
      await store.init({ logger: silentLogger });
    };
    const claimed = async (overrides: Partial<ClaimRequest> = {}) => (await store.claim(request(overrides))).map((j) => `${j.name}${j.group ? `/${j.group}` : ''}`);
    const insert = (count: number, overrides: Parameters<typeof newJob>[0] = {}) => store.insert(Array.from({ length: count }, () => newJob({ name: 'work', ...overrides })), T0);

    it('claims at most max in any window of per, across claims, and again once the window moves on', async () => {
      await setup();
      await insert(6);
      expect(await claimed({ limits: rated(2) })).toEqual(['work', 'work']);
      expect(await claimed({ now: T0 + 500, limits: rated(2) })).toEqual([]);
      expect(await claimed({ now: T0 + 999, limits: rated(2) })).toEqual([]);
      // The window is (now - per, now]: the claims at T0 leave it at T0 + 1000.
      expect(await claimed({ now: T0 + 1000, limits: rated(2) })).toEqual(['work', 'work']);
      expect(await claimed({ now: T0 + 1500, limits: rated(2) })).toEqual([]);
    });

    it('leaves the throttled jobs pending and unlocked, and other names go on', async () => {
      await setup();
      const jobs = await insert(3);
      await store.insert([newJob({ name: 'other' }), newJob({ name: 'other' })], T0);
      expect(await claimed({ limits: rated(1) })).toEqual(['work', 'other', 'other']);
      const waiting = await Promise.all(jobs.slice(1).map((j) => store.getJob(j.job.id)));
      expect(waiting.map((j) => [j!.status, j!.lockedBy])).toEqual([
        ['pending', null],
        ['pending', null],
      ]);
    });

    it("by group: each group has a window of its own, jobs without a group share one", async () => {
      await setup();
      await insert(3, { group: 'g' });
      await insert(3, { group: 'h' });
      await insert(3);
      expect((await claimed({ limits: rated(1, {}, true) })).sort()).toEqual(['work', 'work/g', 'work/h']);
      expect(await claimed({ now: T0 + 10, limits: rated(1, {}, true) })).toEqual([]);
      expect((await claimed({ now: T0 + 1000, limits: rated(2, {}, true) })).sort()).toEqual(['work', 'work', 'work/g', 'work/g', 'work/h', 'work/h']);
    });

    it('composes with concurrency and groupConcurrency: the tightest cap decides', async () => {
      await setup();
      await insert(4, { group: 'g' });
      await insert(4, { group: 'h' });
      expect(await claimed({ limits: rated(3, { groupConcurrency: 1 }) })).toEqual(['work/g', 'work/h']);
      expect(await claimed({ now: T0 + 1, limits: rated(10, { global: 3 }) })).toEqual(['work/g']);
    });

    it('wakes a worker when the window frees, not at its next poll (60 s): 2 per 500 ms runs 6 jobs in about 1 s', async () => {
      const s = await h.scheduler({ pollInterval: 60_000 });
      const starts: number[] = [];
      // Claim times (lastRunAt: the claim's now, which the window counts), not handler starts, which may lag.
      s.define('work', async (job) => void starts.push(job.lastRunAt!.getTime()), { rateLimit: { max: 2, per: 500, scope: 'global' } });
      const done = successes(s, 6);
      await s.start();
      const t0 = Date.now();
      for (let i = 0; i < 6; i++) await s.now('work');
      await done;
      const took = Date.now() - t0;
      // Three windows: claims at about 0, 500 and 1000 ms; never a poll interval.
      expect(took).toBeGreaterThanOrEqual(950);
      expect(took).toBeLessThan(5_000);
      starts.sort((a, b) => a - b);
      for (let i = 2; i < starts.length; i++) expect(starts[i]! - starts[i - 2]!).toBeGreaterThanOrEqual(500);
    });

    it('wakes another process held back by a window this one filled, and by group too', async () => {
      for (const by of [undefined, 'group'] as const) {
        const name = by ? 'per-group' : 'work';
        const rateLimit = { max: 2, per: 500, scope: 'global' as const, ...(by ? { by } : {}) };
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        // Process A fills the window with two runs that hold both its slots (and claims nothing ahead).
        const a = await h.scheduler({ pollInterval: 60_000, concurrency: 2, lockLimit: 2 });
        a.define(name, () => held, { rateLimit });
        const aStarted = starts(a, 2);
        await a.start();
        for (let i = 0; i < 4; i++) await a.now(name, null, by ? { group: 'g' } : {});
        await aStarted;
        // Process B starts while the window is full: its first claim gets nothing, and no poll comes for 60 s.
        const b = await h.scheduler({ pollInterval: 60_000 });
        b.define(name, async () => undefined, { rateLimit });
        const bDone = successes(b, 2);
        const t0 = Date.now();
        await b.start();
        await bDone;
        expect(Date.now() - t0, String(by)).toBeLessThan(5_000);
        release();
        await a.stop();
        await b.stop();
      }
    });

    it('refuses a bad rateLimit with a typed error naming the field', async () => {
      const s = await h.scheduler();
      const bad: [unknown, string][] = [
        [{ max: 1, per: '1s', scope: 'cluster' }, 'options.rateLimit.scope'],
        [{ max: 1, per: '1s', by: 'group' }, 'options.rateLimit.by'],
        [{ max: 1, per: '1s', scope: 'process', by: 'group' }, 'options.rateLimit.by'],
        [{ max: 1, per: '1s', scope: 'global', by: 'tenant' }, 'options.rateLimit.by'],
        [{ max: 0, per: '1s', scope: 'global' }, 'options.rateLimit.max'],
        [{ max: 1, per: 'soon', scope: 'global' }, 'options.rateLimit.per'],
      ];
      for (const [rateLimit, field] of bad) {
        expect(() => s.define('x', async () => undefined, { rateLimit: rateLimit as never }), JSON.stringify(rateLimit)).toThrow(expect.objectContaining({ field }));
      }
      expect(() => s.define('y', async () => undefined, { rateLimit: { max: 2, per: '1s', scope: 'global', by: 'group' } })).not.toThrow();
    });
  });
}

/** Resolves once `count` jobs of this scheduler succeeded. */
function successes(s: Scheduler, count: number): Promise<void> {
  return counted(s, 'job:success', count);
}

/** Resolves once `count` jobs of this scheduler started. */
function starts(s: Scheduler, count: number): Promise<void> {
  return counted(s, 'job:start', count);
}

function counted(s: Scheduler, event: 'job:success' | 'job:start', count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    s.on(event, () => {
      if (++seen === count) resolve();
    });
  });
}
