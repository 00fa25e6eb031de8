/**
 * A grouped claim takes what the model takes, whatever the shape: many groups or few, groups smaller or larger than
 * their share of the claim, a cap, priorities, jobs not yet due, slots already taken. Each store reads groups only
 * as far as a claim can use (PostgreSQL's group_offers() reads round one's groups, then further slots of the round
 * robin as the claim still needs them), and must still answer as MemoryStore does (src/core/rules/groups.ts), jobs
 * and order. The differential suite compares whole random sequences with three groups; this property covers up
 * to twelve groups against claims of up to 40 jobs, which is where partial rounds are. Run by each store's file.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest, NewJob, Store } from '../../src/core/store.js';
import { silentLogger } from '../../src/core/logger.js';
import { MemoryStore } from '../../src/stores/memory/store.js';
import { availability, type CreatedStore, type StoreFactory } from './factory.js';
import { newJob as contractJob } from './store-contract.js';

const T0 = 1_700_000_000_000;
const newJob = (name: string, extra: Partial<NewJob>): NewJob => contractJob({ name, data: null, dueAt: extra.nextRunAt ?? T0, nextRunAt: T0, ...extra });

interface Shape {
  groups: { size: number; priority: number; laterEvery: number }[];
  cap: number | null;
  first: number;
  second: number;
}

const shape: fc.Arbitrary<Shape> = fc.record({
  groups: fc.array(
    fc.record({ size: fc.integer({ min: 0, max: 8 }), priority: fc.constantFrom(0, 0, 5), laterEvery: fc.constantFrom(0, 0, 3) }),
    { minLength: 1, maxLength: 12 },
  ),
  cap: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  first: fc.integer({ min: 0, max: 10 }),
  second: fc.integer({ min: 1, max: 40 }),
});

/** Insert the shape's jobs under `name`, then claim twice; the claimed jobs as "group/index", in claim order. */
async function run(store: Store, name: string, s: Shape): Promise<string[][]> {
  const jobs = s.groups.flatMap((g, gi) =>
    Array.from({ length: g.size }, (_, k) =>
      newJob(name, {
        group: `g${gi}`,
        // Within a group: alternate priorities when asked, and some jobs due only later.
        priority: k % 2 === 0 ? g.priority : 0,
        nextRunAt: g.laterEvery > 0 && k % g.laterEvery === 1 ? T0 + 3_600_000 : T0 - (k % 3),
        data: `g${gi}/${k}`,
      }),
    ),
  );
  if (jobs.length > 0) await store.insert(jobs, T0);
  const request = (limit: number, token: string): ClaimRequest => ({
    now: T0,
    workerId: 'w',
    lockToken: token,
    limit,
    names: [name],
    limits: [{ name, ...(s.cap === null ? {} : { groupConcurrency: s.cap }) }],
    lockLifetimeMs: 60_000,
  });
  const claims: string[][] = [];
  for (const [limit, token] of [[s.first, 't1'], [s.second, 't2']] as const) {
    if (limit === 0) continue;
    claims.push((await store.claim(request(limit, token))).map((j) => String(j.data)));
  }
  return claims;
}

export async function describeGroupRotation(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);
  describe.skipIf(skip)(`${factory.kind}: a grouped claim takes what the model takes, whatever the shape`, () => {
    let created: CreatedStore;
    let store: Store;
    let runs = 0;

    beforeAll(async () => {
      created = await factory.create();
      store = created.store;
      await store.init({ logger: silentLogger });
    });

    afterAll(async () => {
      await store?.close();
      await created?.cleanup();
    });

    it('matches the model on random shapes', async () => {
      await fc.assert(
        fc.asyncProperty(shape, async (s) => {
          // A fresh name per run: the groups of earlier runs are other names' and never offered here.
          const name = `n${runs++}`;
          const expected = await run(new MemoryStore(), name, s);
          expect(await run(store, name, s)).toEqual(expected);
        }),
        { numRuns: Number(process.env.HOURGLASS_ROTATION_RUNS ?? 60), seed: Number(process.env.HOURGLASS_ROTATION_SEED ?? 20261130) },
      );
    }, 120_000);
  });
}
