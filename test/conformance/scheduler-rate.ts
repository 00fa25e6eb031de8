/**
 * Global rate limits (rateLimit with scope 'global', src/core/rules/rate.ts), on every store: at most `max` claims
 * in any window of `per`, counted in the store, per name or (by: 'group') per group; a throttled name holds
 * nothing and delays no other name; the caps compose. Store-level cases drive Store.claim with a fixed clock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
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
