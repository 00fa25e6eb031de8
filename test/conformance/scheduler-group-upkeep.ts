/**
 * Groups' upkeep (Store.pruneGroups, src/core/rules/groups.ts forgettable), on every store: a group whose jobs
 * are all gone is forgotten (stamp, ready or wake state, its rate key's log), one bounded page at a time; a group
 * with a pending, blocked or running job, a cancelled run holding its slot, or a recent claim under its rate is
 * kept; a forgotten group comes back as a new one. Store-level cases drive the store with a fixed clock.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimRequest, ClaimedJob, GroupPruneRequest, Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from './factory.js';
import { useHarness } from './scheduler-contract.js';
import { newJob } from './store-contract.js';

const T0 = 1_800_000_000_000;

function request(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now: T0, workerId: 'w1', lockToken: randomUUID(), limit: 10, names: ['work'], limits: [], lockLifetimeMs: 30_000, ...overrides };
}

export async function describeGroupUpkeep(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: groups' upkeep`, () => {
    const h = useHarness(factory);
    let store: Store;
    const setup = async () => {
      store = h.created.store;
      await store.init({ logger: silentLogger });
      expect(typeof store.pruneGroups).toBe('function');
    };
    const prune = (overrides: Partial<GroupPruneRequest> = {}) => store.pruneGroups!({ now: T0 + 100, rateBefore: T0 + 100, limit: 100, cursor: null, ...overrides });
    const claim = async (overrides: Partial<ClaimRequest> = {}) => store.claim(request(overrides));
    const finish = async (jobs: ClaimedJob[], at = T0 + 10) =>
      store.settle(jobs.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: at, history: null })));
    /** One job of each group in turn, inserted, claimed and finished: the groups are served in that order. */
    const serveInOrder = async (groups: string[]) => {
      for (const [i, group] of groups.entries()) {
        await store.insert([newJob({ group })], T0);
        const [job] = await claim({ limit: 1, now: T0 + i });
        expect(job!.group).toBe(group);
        await finish([job!]);
      }
    };

    it('forgets groups whose jobs are all finished; one that comes back is a new group (stamp 0)', async () => {
      await setup();
      // Served b, then a: while remembered, a returning pair is offered b first (least recently served).
      await serveInOrder(['b', 'a']);
      await store.insert([newJob({ group: 'a' }), newJob({ group: 'b' })], T0 + 20);
      const first = await claim({ limit: 1, now: T0 + 21 });
      expect(first.map((j) => j.group)).toEqual(['b']);
      await finish([...first, ...(await claim({ limit: 1, now: T0 + 22 }))]);
      // All finished: both go. Back as new groups (stamp 0 each), ties are by group: a first.
      expect((await prune()).forgotten).toBe(2);
      expect((await prune()).forgotten).toBe(0);
      await store.insert([newJob({ group: 'b' }), newJob({ group: 'a' })], T0 + 200);
      expect((await claim({ limit: 1, now: T0 + 201 })).map((j) => j.group)).toEqual(['a']);
    });

    it('keeps a group with a pending, running, blocked or held job, or a claim under its rate since rateBefore', async () => {
      await setup();
      await serveInOrder(['pending', 'running', 'blocked', 'held', 'rated', 'idle']);
      await store.insert([newJob({ group: 'pending', nextRunAt: T0 + 10_000, dueAt: T0 + 10_000 })], T0 + 50);
      await store.insert([newJob({ group: 'running' })], T0 + 50);
      const [running] = await claim({ now: T0 + 51 });
      expect(running!.group).toBe('running');
      await store.insertFlow(
        [
          { ...newJob({ name: 'dep' }), flow: { key: 'first', dependents: true }, after: [] },
          { ...newJob({ group: 'blocked' }), flow: { key: 'then' }, after: [0] },
        ],
        T0 + 50,
      );
      await store.insert([newJob({ group: 'held' })], T0 + 52);
      const [held] = await claim({ now: T0 + 53 });
      expect(held!.group).toBe('held');
      await store.cancel(held!.id, T0 + 54); // its run has not returned: it holds the slot until its lease ends
      await store.insert([newJob({ group: 'rated' })], T0 + 55);
      const [rated] = await claim({ now: T0 + 56, limits: [{ name: 'work', rate: { max: 5, perMs: 1000, byGroup: true } }] });
      expect(rated!.group).toBe('rated');
      await finish([rated!], T0 + 57);
      // Only 'idle' goes: 'rated' logged a claim at T0 + 56, after rateBefore.
      expect((await prune({ now: T0 + 60, rateBefore: T0 + 50 })).forgotten).toBe(1);
      // Once the held run's lease has ended and the rate's claim is before rateBefore, those two go as well.
      expect((await prune({ now: T0 + 53 + 30_001, rateBefore: T0 + 57 })).forgotten).toBe(2);
    });

    it('visits at most `limit` groups per call, going on from the cursor, and answers null at the end', async () => {
      await setup();
      await serveInOrder(['g1', 'g2', 'g3', 'g4', 'g5']);
      await store.insert([newJob({ group: 'g2', nextRunAt: T0 + 10_000, dueAt: T0 + 10_000 })], T0 + 50);
      let cursor: string | null = null;
      const pages: number[] = [];
      do {
        const result = await prune({ limit: 2, cursor });
        pages.push(result.forgotten);
        expect(result.forgotten).toBeLessThanOrEqual(2);
        cursor = result.next;
      } while (cursor !== null && pages.length < 10);
      expect(pages.reduce((a, b) => a + b, 0)).toBe(4);
      expect(cursor).toBeNull();
      // g2 stayed, with its pending job still offered.
      expect((await claim({ now: T0 + 10_000 })).map((j) => j.group)).toEqual(['g2']);
    });

    it("Scheduler.prune() forgets the groups that went away, beside retention's jobs", async () => {
      const s = await h.scheduler();
      s.define('work', async () => undefined);
      const done = new Promise<void>((resolve) => {
        let n = 0;
        s.on('job:success', () => {
          if (++n === 3) resolve();
        });
      });
      await s.start();
      for (const group of ['x', 'y', 'z']) await s.now('work', null, { group });
      await done;
      await s.stop();
      const result = await s.prune({ completed: '1d' });
      expect(result).toMatchObject({ jobs: 0, groups: 3 });
      expect((await s.prune({ completed: '1d' })).groups).toBe(0);
    });
  });
}
