/**
 * Groups (tenants), on every store (src/core/rules/groups.ts): rotation between a name's groups, priority within
 * a group, groupConcurrency held across claims and freed by settle, recovery and cancel, and the public API's
 * checks. The store-level cases drive Store.claim directly with a fixed clock, so each claim's answer is exact.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import type { ClaimRequest, NameLimit, Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from './factory.js';
import { waitUntil } from './helpers.js';
import { useHarness } from './scheduler-contract.js';
import { newJob } from './store-contract.js';

const T0 = 1_800_000_000_000;

function request(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now: T0, workerId: 'w1', lockToken: randomUUID(), limit: 10, names: ['work'], limits: [], lockLifetimeMs: 30_000, ...overrides };
}

const capped = (groupConcurrency: number, more: Partial<NameLimit> = {}): NameLimit[] => [{ name: 'work', groupConcurrency, ...more }];

export async function describeSchedulerGroups(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: groups`, () => {
    const h = useHarness(factory);
    let store: Store;
    const setup = async () => {
      store = h.created.store;
      await store.init({ logger: silentLogger });
    };
    const claimGroups = async (overrides: Partial<ClaimRequest> = {}) => (await store.claim(request(overrides))).map((j) => j.group);
    const insert = async (group: string | null, count: number, overrides: Parameters<typeof newJob>[0] = {}) =>
      store.insert(Array.from({ length: count }, () => newJob({ group, ...overrides })), T0);

    it('stores the group on the job (null without one)', async () => {
      await setup();
      const [grouped, plain] = await store.insert([newJob({ group: 'tenant-1' }), newJob()], T0);
      expect(grouped!.job.group).toBe('tenant-1');
      expect(plain!.job.group).toBeNull();
      expect((await store.getJob(grouped!.job.id))!.group).toBe('tenant-1');
      expect((await store.listJobs({ limit: 10, offset: 0 })).map((j) => j.group).sort()).toEqual(['tenant-1', null].sort());
    });

    it('rotates between the groups that have due work: a big backlog does not delay a small group', async () => {
      await setup();
      await insert('big', 6);
      await insert('small', 2);
      const order: (string | null)[] = [];
      for (let i = 0; i < 8; i++) order.push(...(await claimGroups({ limit: 1 })));
      expect(order).toEqual(['big', 'small', 'big', 'small', 'big', 'big', 'big', 'big']);
    });

    it('serves the least recently served group first, across claims of any size', async () => {
      await setup();
      await insert('a', 3);
      await insert('b', 3);
      await insert('c', 3);
      expect(await claimGroups({ limit: 2 })).toEqual(['a', 'b']);
      // The rotation takes c (never served), then a and b in the order they were served, then c again; the
      // answer comes in claim order (priority, due time, insertion).
      expect(await claimGroups({ limit: 4 })).toEqual(['a', 'b', 'c', 'c']);
      expect(await claimGroups({ limit: 1 })).toEqual(['a']);
    });

    it('orders by priority within a group, and by rotation across groups', async () => {
      await setup();
      await insert('a', 1, { priority: 0, data: 'a-low' });
      await insert('a', 1, { priority: 5, data: 'a-high' });
      await insert('b', 1, { priority: 9, data: 'b-highest' });
      const first = await store.claim(request({ limit: 1 }));
      // a comes first in the rotation (never served, then by group); within a its higher priority.
      expect(first.map((j) => j.data)).toEqual(['a-high']);
      expect((await store.claim(request({ limit: 1 }))).map((j) => j.data)).toEqual(['b-highest']);
      expect((await store.claim(request({ limit: 1 }))).map((j) => j.data)).toEqual(['a-low']);
    });

    it('leaves jobs without a group to the usual claim order beside grouped ones', async () => {
      await setup();
      await insert(null, 1, { priority: 5, data: 'plain-high' });
      await insert('g', 2, { data: 'grouped' });
      await insert(null, 1, { data: 'plain' });
      const claimed = await store.claim(request({ limit: 10 }));
      expect(claimed.map((j) => j.data)).toEqual(['plain-high', 'grouped', 'grouped', 'plain']);
    });

    it('never runs more of one group than groupConcurrency, and settle frees the slot', async () => {
      await setup();
      await insert('g', 3);
      await insert('h', 1);
      const first = await store.claim(request({ limits: capped(1) }));
      expect(first.map((j) => j.group)).toEqual(['g', 'h']);
      expect(await claimGroups({ limits: capped(1) })).toEqual([]);
      const g = first[0]!;
      await store.settle([{ id: g.id, lockToken: g.lockToken, status: 'completed', finishedAt: T0 + 1, history: null }]);
      expect(await claimGroups({ now: T0 + 2, limits: capped(1) })).toEqual(['g']);
      expect(await claimGroups({ now: T0 + 3, limits: capped(1) })).toEqual([]);
    });

    it('composes groupConcurrency with the name\'s global concurrency', async () => {
      await setup();
      await insert('g', 3);
      await insert('h', 3);
      expect(await claimGroups({ limits: capped(2, { global: 3 }) })).toEqual(['g', 'g', 'h']);
      expect(await claimGroups({ limits: capped(2, { global: 3 }) })).toEqual([]);
    });

    it('gives a group its slot back when a lease ends (recovery) and runs the job again', async () => {
      await setup();
      const [job] = await insert('g', 1);
      await insert('g', 1);
      const [claimed] = await store.claim(request({ limits: capped(1), lockLifetimeMs: 1000 }));
      expect(claimed!.id).toBe(job!.job.id);
      expect(await claimGroups({ now: T0 + 500, limits: capped(1) })).toEqual([]);
      // The lease ended: recovery returns it to pending (due now) and frees the slot, which the other job, due
      // since T0, takes first.
      const again = await store.claim(request({ now: T0 + 2000, limits: capped(1), limit: 5 }));
      expect(again.map((j) => j.group)).toEqual(['g']);
      expect(again[0]!.id).not.toBe(job!.job.id);
      expect((await store.getJob(job!.job.id))!.status).toBe('pending');
    });

    it('holds a cancelled run\'s slot until it settles, then frees it', async () => {
      await setup();
      await insert('g', 2);
      const [running] = await store.claim(request({ limits: capped(1) }));
      await store.cancel(running!.id, T0 + 1);
      expect(await claimGroups({ now: T0 + 2, limits: capped(1) })).toEqual([]);
      await store.settle([{ id: running!.id, lockToken: running!.lockToken, status: 'completed', finishedAt: T0 + 3, history: null }]);
      expect(await claimGroups({ now: T0 + 4, limits: capped(1) })).toEqual(['g']);
    });

    it('finds a group whose jobs become due later, and one triggered early', async () => {
      await setup();
      await insert('later', 1, { nextRunAt: T0 + 5000, dueAt: T0 + 5000 });
      const [early] = await insert('early', 1, { nextRunAt: T0 + 9000, dueAt: T0 + 9000 });
      expect(await claimGroups()).toEqual([]);
      await store.trigger(early!.job.id, T0 + 1);
      expect(await claimGroups({ now: T0 + 2 })).toEqual(['early']);
      expect(await claimGroups({ now: T0 + 5000 })).toEqual(['later']);
    });

    it('accepts group on now, schedule, scheduleBulk and every, and refuses a bad one with a typed error', async () => {
      const s = await h.scheduler();
      s.define('work', async () => undefined);
      expect((await s.now('work', null, { group: 'tenant-1' })).group).toBe('tenant-1');
      expect((await s.schedule('in 1 hour', 'work', null, { group: 'tenant-2' })).group).toBe('tenant-2');
      expect((await s.schedule({ name: 'work', group: 'tenant-3' })).group).toBe('tenant-3');
      expect((await s.scheduleBulk([{ name: 'work', group: 'tenant-4' }, { name: 'work' }])).map((j) => j.group)).toEqual(['tenant-4', null]);
      expect((await s.every('5m', 'work', null, { group: 'tenant-5' })).group).toBe('tenant-5');
      expect((await s.now('work')).group).toBeNull();
      for (const bad of ['', 5, 'x'.repeat(201), {}]) {
        await expect(s.now('work', null, { group: bad as string })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', field: 'options.group' });
      }
      for (const bad of [0, 1.5, -1, '2']) {
        expect(() => s.define('other', async () => undefined, { groupConcurrency: bad as number })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'options.groupConcurrency' }));
      }
    });

    it('runs at most groupConcurrency jobs of a group at once through the scheduler, other groups beside', async () => {
      const s = await h.scheduler({ concurrency: 6 });
      const running = new Map<string, number>();
      let most = 0;
      let overlapOfOthers = 0;
      s.define(
        'work',
        async (job) => {
          const group = job.group!;
          running.set(group, (running.get(group) ?? 0) + 1);
          most = Math.max(most, running.get(group)!);
          if ([...running.values()].reduce((a, b) => a + b, 0) > running.get(group)!) overlapOfOthers++;
          await new Promise((r) => setTimeout(r, 15));
          running.set(group, running.get(group)! - 1);
        },
        { groupConcurrency: 1 },
      );
      const jobs = await s.scheduleBulk([...Array.from({ length: 6 }, () => ({ name: 'work', group: 'a' })), ...Array.from({ length: 3 }, () => ({ name: 'work', group: 'b' }))]);
      await s.start();
      await waitUntil(async () => (await Promise.all(jobs.map((j) => s.getJob(j.id)))).every((j) => j!.status === 'completed'), 20_000, 'every job completed');
      expect(most).toBe(1);
      expect(overlapOfOthers).toBeGreaterThan(0);
    });
  });
}
