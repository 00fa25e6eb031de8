/**
 * The grouped claim is flat with 10,000 groups: beside a tenant with a 20,000-job backlog, 10,000 tenants with a
 * job each and 10,000 idle tenants with work for tomorrow, a claim serves groups in rotation order and reads a
 * bounded number of pages (EXPLAIN (ANALYZE, BUFFERS) of the generic plan, group_offers()'s statements included:
 * buffer counts are the backend's, so a function's reads count on the node that calls it), not a walk of the
 * groups or of the backlog. Registered by postgres.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimRequest } from '../../src/core/store.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { adminQuery, dropSchema, randomSchema } from './postgres.factory.js';
import { claimExplainer, pagesOf, type ClaimExplainer } from './postgres.claim-explain.js';
import { T0, newJob, openStore } from './postgres.helpers.js';

const GROUPS = 10_000;
const BIG = 20_000;
const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({
  now: T0,
  workerId: 'w',
  lockToken: 't',
  limit: 10,
  names: ['a'],
  limits: [{ name: 'a', groupConcurrency: 1 }],
  lockLifetimeMs: 60_000,
  ...over,
});

async function insertMany(store: PostgresStore, count: number, make: (i: number) => ReturnType<typeof newJob>): Promise<void> {
  for (let i = 0; i < count; i += 5000) await store.insert(Array.from({ length: Math.min(5000, count - i) }, (_, k) => make(i + k)), T0);
}

export function describePostgresGroupPlan(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore: the grouped claim is flat with 10,000 groups', () => {
    const schema = randomSchema();
    let store: PostgresStore;
    let claims: ClaimExplainer | undefined;

    beforeAll(async () => {
      store = await openStore(schema);
      await insertMany(store, BIG, () => newJob('a', { group: 'big' }));
      await insertMany(store, GROUPS, (i) => newJob('a', { group: `t${String(i).padStart(5, '0')}` }));
      await insertMany(store, GROUPS, (i) => newJob('a', { group: `idle${i}`, nextRunAt: T0 + 86_400_000 }));
      await store.insert([newJob('a', { priority: 5, data: 'plain' })], T0);
      await adminQuery(`ANALYZE "${schema}".jobs`);
      await adminQuery(`ANALYZE "${schema}".groups`);
      claims = await claimExplainer(schema);
    }, 180_000);

    afterAll(async () => {
      await claims?.end();
      await store?.close();
      await dropSchema(schema);
    });

    const pagesRead = async (r: ClaimRequest): Promise<number> => pagesOf(await claims!.explain(r));

    it('serves groups in rotation order, one job each under groupConcurrency 1', async () => {
      // The first claim makes every group whose work is due ready (once: each group's first due job does it).
      const first = await store.claim(request({ limit: 5 }));
      expect(first.map((j) => (j.data === 'plain' ? 'plain' : j.group))).toEqual(['plain', 'big', 't00000', 't00001', 't00002']);
      const second = await store.claim(request({ limit: 3 }));
      expect(second.map((j) => j.group)).toEqual(['t00003', 't00004', 't00005']);
      // The first claim made 10,000 groups ready at once: until a vacuum, their old entries in the waiting
      // groups' index are stepped over by each claim's promotion seek (about 100 pages). Autovacuum does this.
      await adminQuery(`VACUUM "${schema}".groups`);
    });

    it('reads a bounded number of pages per claim, whatever the number of groups and the backlog', async () => {
      // Measured: ~180 pages to take 2 jobs and ~670 to take 10, about 61 a group served (its rotation entry and
      // row lock, its slots, its priority seek and due read in group_due(), the job's lock and update), where a
      // walk of the groups alone would read every one of the 20,000 rows. (The function before group_due() read
      // ~48 a group here, after ANALYZE; without statistics it walked the name's jobs.)
      const ten = await pagesRead(request({ limit: 10 }));
      const two = await pagesRead(request({ limit: 2 }));
      expect(ten).toBeLessThan(1_000);
      expect((ten - two) / 8).toBeLessThan(80);
    });
  });
}
