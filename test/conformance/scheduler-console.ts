/**
 * The operator's view of groups (issue 14), on every store: listJobs({ group }) through the public API and the
 * Store, in every order, with the other filters, and its typed errors.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from './factory.js';
import { useHarness } from './scheduler-contract.js';
import { newJob } from './store-contract.js';
import { GROUP_COUNT_CAP } from '../../src/core/rules/group-counts.js';

const T0 = 1_800_000_000_000;

export async function describeSchedulerConsole(factory: StoreFactory): Promise<void> {
  const { skip } = await availability(factory);

  describe.skipIf(skip)(`${factory.kind}: listJobs by group`, () => {
    const h = useHarness(factory);

    it('lists one group\'s jobs across names and statuses, with the other filters, in every order', async () => {
      const s = await h.scheduler();
      const a1 = await s.now('send', { n: 1 }, { group: 'acme' });
      const b1 = await s.now('send', { n: 2 }, { group: 'globex' });
      const a2 = await s.schedule('in 1 hour', 'report', { n: 3 }, { group: 'acme', priority: 'high' });
      const plain = await s.now('send', { n: 4 });
      const a3 = await s.now('send', { n: 5 }, { group: 'acme' });
      await s.cancel(a3.id);
      const ids = (jobs: { id: string }[]) => jobs.map((j) => j.id);

      expect(ids(await s.listJobs({ group: 'acme' }))).toEqual([a3.id, a2.id, a1.id]);
      expect(ids(await s.listJobs({ group: 'acme', order: { by: 'createdAt', dir: 'asc' } }))).toEqual([a1.id, a2.id, a3.id]);
      expect(ids(await s.listJobs({ group: 'globex' }))).toEqual([b1.id]);
      expect(await s.listJobs({ group: 'nobody' })).toEqual([]);
      expect(ids(await s.listJobs({ group: 'acme', name: 'send' }))).toEqual([a3.id, a1.id]);
      expect(ids(await s.listJobs({ group: 'acme', status: 'cancelled' }))).toEqual([a3.id]);
      expect(ids(await s.listJobs({ group: 'acme', status: ['pending'], order: { by: 'nextRunAt', dir: 'asc' } }))).toEqual([a1.id, a2.id]);
      expect(ids(await s.listJobs({ group: 'acme', order: { by: 'priority', dir: 'desc' } }))).toEqual([a2.id, a3.id, a1.id]);
      expect(ids(await s.listJobs({ group: 'acme', text: 'report' }))).toEqual([a2.id]);
      expect(ids(await s.listJobs({ group: 'acme', limit: 1, offset: 1 }))).toEqual([a2.id]);
      // The job's own group comes back with it, and a job without one is in no group's list.
      expect((await s.listJobs({ group: 'acme' })).every((j) => j.group === 'acme')).toBe(true);
      expect(ids(await s.listJobs({})).includes(plain.id)).toBe(true);
    });

    it('keeps a group\'s list exact as its jobs run, finish and are removed', async () => {
      const store: Store = h.created.store;
      await store.init({ logger: silentLogger });
      const inserted = await store.insert([newJob({ group: 'g' }), newJob({ group: 'g', name: 'other' }), newJob({ group: 'h' })], T0);
      const [g1, g2] = inserted.map((r) => r.job.id);
      const claimed = await store.claim({ now: T0, workerId: 'w', lockToken: randomUUID(), limit: 10, names: null, limits: [], lockLifetimeMs: 30_000 });
      const mine = claimed.find((j) => j.id === g1)!;
      expect((await store.listJobs({ group: 'g', status: ['running'], limit: 10, offset: 0 })).map((j) => j.id).sort()).toEqual([g1, g2].sort());
      await store.settle([{ id: mine.id, lockToken: mine.lockToken, status: 'completed', finishedAt: T0 + 1, history: null }]);
      expect((await store.listJobs({ group: 'g', status: ['completed'], limit: 10, offset: 0 })).map((j) => j.id)).toEqual([g1]);
      await store.remove(g1!);
      expect((await store.listJobs({ group: 'g', limit: 10, offset: 0 })).map((j) => j.id)).toEqual([g2]);
    });

    it('refuses a group that is not a non-empty string, naming the field and the value', async () => {
      const s = await h.scheduler();
      for (const bad of ['', 5, null, 'x'.repeat(201)]) {
        const error = await s.listJobs({ group: bad as string }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).field).toBe('filter.group');
        expect((error as Error).message).toContain('filter.group');
      }
    });
  });

  describe.skipIf(skip)(`${factory.kind}: groupCounts`, () => {
    const h = useHarness(factory);
    const claimAll = (store: Store, now: number, names: string[] = ['work'], limit = 100) =>
      store.claim({ now, workerId: 'w', lockToken: randomUUID(), limit, names, limits: [], lockLifetimeMs: 30_000 });

    it('counts each group\'s due and running jobs of one name, in byte order, leaving out the idle ones', async () => {
      const store: Store = h.created.store;
      await store.init({ logger: silentLogger });
      expect(await store.groupCounts!('work', T0)).toEqual([]);
      await store.insert(
        [
          ...Array.from({ length: 3 }, () => newJob({ group: 'b' })),
          newJob({ group: 'a' }),
          newJob({ group: 'a', nextRunAt: T0 + 60_000 }), // not due yet
          newJob({ group: 'c', name: 'other' }), // another name
          newJob({ group: null }), // no group
          newJob({ group: 'Z' }), // byte order: 'Z' before 'a'
        ],
        T0,
      );
      expect(await store.groupCounts!('work', T0)).toEqual([
        { group: 'Z', due: 1, running: 0 },
        { group: 'a', due: 1, running: 0 },
        { group: 'b', due: 3, running: 0 },
      ]);
      // Claim two of b's (and whatever else the rotation offers first): running counts move, due ones drop.
      const claimed = await claimAll(store, T0, ['work'], 2);
      const running = (g: string) => claimed.filter((j) => j.group === g).length;
      const after = await store.groupCounts!('work', T0);
      for (const row of after) expect(row.due + row.running).toBe(row.group === 'b' ? 3 : 1);
      for (const row of after) expect(row.running, row.group).toBe(running(row.group));
      expect(claimed.filter((j) => j.group !== null).length).toBeGreaterThan(0);
      // Time passes: a's later job is due now, counted without a claim having seen it.
      const later = await store.groupCounts!('work', T0 + 60_000);
      expect(later.find((r) => r.group === 'a')!.due + later.find((r) => r.group === 'a')!.running).toBe(2);
      // Finished jobs count for nothing: settle every running one, and a group with nothing left is gone.
      await store.settle(claimed.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'completed' as const, finishedAt: T0 + 1, history: null })));
      await store.cancel((await store.listJobs({ group: 'Z', limit: 10, offset: 0 }))[0]?.id ?? 'none', T0 + 2);
      expect((await store.groupCounts!('work', T0 + 2)).map((r) => r.group)).not.toContain('Z');
      expect(await store.groupCounts!('other', T0)).toEqual([{ group: 'c', due: 1, running: 0 }]);
    });

    it('stops a group\'s due count at the cap instead of counting its whole backlog', async () => {
      const store: Store = h.created.store;
      await store.init({ logger: silentLogger });
      await store.insert(Array.from({ length: GROUP_COUNT_CAP + 5 }, () => newJob({ group: 'big' })), T0);
      await store.insert([newJob({ group: 'small' })], T0);
      expect(await store.groupCounts!('work', T0)).toEqual([
        { group: 'big', due: GROUP_COUNT_CAP, running: 0 },
        { group: 'small', due: 1, running: 0 },
      ]);
    }, 30_000);

    it('Scheduler.groups ranks them biggest first, bounded by limit, and says how many more', async () => {
      const s = await h.scheduler();
      for (const [group, n] of [['x', 1], ['y', 3], ['z', 2]] as const) {
        for (let i = 0; i < n; i++) await s.now('sync', null, { group });
      }
      const report = await s.groups('sync', { limit: 2 });
      expect(report.groups).toEqual([
        { group: 'y', due: 3, running: 0, atCap: false },
        { group: 'z', due: 2, running: 0, atCap: false },
      ]);
      expect(report.more).toBe(1);
      expect(report.countCap).toBe(GROUP_COUNT_CAP);
      // This process does not define 'sync': no limits known, nothing said about throttling.
      expect(report.limits).toBeNull();
      expect(report.throttled).toEqual([]);
      expect((await s.groups('sync')).groups.map((g) => g.group)).toEqual(['y', 'z', 'x']);
      const error = await s.groups('sync', { limit: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field).toBe('options.limit');
    });

    it('says a name is throttled by groupConcurrency while a group with due jobs runs all it may', async () => {
      const s = await h.scheduler();
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      s.define('held', async () => held, { groupConcurrency: 1, concurrency: 5, rateLimit: { max: 100, per: '1m', scope: 'global' } });
      const started = new Promise<void>((resolve) => s.on('job:start', () => resolve()));
      await s.now('held', null, { group: 'g' });
      await s.now('held', null, { group: 'g' });
      await s.start();
      await started;
      const report = await s.groups('held');
      expect(report.groups).toEqual([{ group: 'g', due: 1, running: 1, atCap: true }]);
      expect(report.running).toBe(1);
      expect(report.limits).toEqual({ concurrency: 5, groupConcurrency: 1, rateLimit: { max: 100, perMs: 60_000, scope: 'global', byGroup: false } });
      expect(report.throttled).toEqual(['groupConcurrency']);
      release();
    });

    it('reads a global rate\'s window: the claims in it and the earliest, per name or per group', async () => {
      const store: Store = h.created.store;
      await store.init({ logger: silentLogger });
      await store.insert([newJob(), newJob(), newJob(), newJob({ group: 'g' }), newJob({ group: 'g' })], T0);
      const rate = (byGroup: boolean) => ({ name: 'work', rate: { max: 2, perMs: 1000, ...(byGroup ? { byGroup: true } : {}) } });
      await store.claim({ now: T0, workerId: 'w', lockToken: randomUUID(), limit: 10, names: ['work'], limits: [rate(false)], lockLifetimeMs: 30_000 });
      expect(await store.rateWindow!('work', '', 1000, T0)).toEqual({ used: 2, oldest: T0 });
      expect(await store.rateWindow!('work', '', 1000, T0 + 999)).toEqual({ used: 2, oldest: T0 });
      // The window is (now - per, now]: a claim at T0 is out of it at T0 + 1000.
      expect(await store.rateWindow!('work', '', 1000, T0 + 1000)).toEqual({ used: 0, oldest: null });
      await store.claim({ now: T0 + 1500, workerId: 'w', lockToken: randomUUID(), limit: 10, names: ['work'], limits: [rate(true)], lockLifetimeMs: 30_000 });
      expect(await store.rateWindow!('work', 'g', 1000, T0 + 1500)).toEqual({ used: 2, oldest: T0 + 1500 });
      expect(await store.rateWindow!('work', 'other', 1000, T0 + 1500)).toEqual({ used: 0, oldest: null });
    });

    it('says a name is throttled by its global rate while its window is full, and when it frees', async () => {
      const s = await h.scheduler();
      s.define('limited', async () => null, { rateLimit: { max: 1, per: '1h', scope: 'global' } });
      const done = new Promise<void>((resolve) => s.on('job:success', () => resolve()));
      await s.now('limited', null);
      await s.now('limited', null);
      const before = Date.now();
      await s.start();
      await done;
      const report = await s.groups('limited');
      expect(report.rate).toMatchObject({ used: 1, full: true });
      expect(report.rate!.freesAt!.getTime()).toBeGreaterThanOrEqual(before + 3_600_000 - 1000);
      expect(report.throttled).toEqual(['rate']);
    });
  });

  describe.skipIf(skip)(`${factory.kind}: countJobsByName`, () => {
    const h = useHarness(factory);

    it('answers what countJobs() and countJobs(name) answer, for names asked twice, unknown or not asked', async () => {
      const store: Store = h.created.store;
      await store.init({ logger: silentLogger });
      const s = await h.scheduler();
      // Jobs of three names in four statuses: 'send' pending and running, 'report' completed and failed,
      // 'other' (never asked for) pending and cancelled.
      const inserted = await store.insert(
        [
          newJob({ name: 'send' }), newJob({ name: 'send' }), newJob({ name: 'send' }),
          newJob({ name: 'report' }), newJob({ name: 'report' }),
          newJob({ name: 'other' }), newJob({ name: 'other' }),
        ],
        T0,
      );
      const ids = inserted.map((r) => r.job.id);
      const token = randomUUID();
      const claimed = await store.claim({ now: T0, workerId: 'w', lockToken: token, limit: 10, names: ['send', 'report'], limits: [], lockLifetimeMs: 60_000 });
      const byId = new Map(claimed.map((j) => [j.id, j]));
      await store.settle([
        { id: ids[3]!, lockToken: byId.get(ids[3]!)!.lockToken, status: 'completed', finishedAt: T0 + 1, history: null },
        { id: ids[4]!, lockToken: byId.get(ids[4]!)!.lockToken, status: 'failed', finishedAt: T0 + 1, history: null },
        { id: ids[0]!, lockToken: byId.get(ids[0]!)!.lockToken, status: 'pending', nextRunAt: T0 + 60_000, finishedAt: T0 + 1, history: null },
      ]);
      await store.cancel(ids[6]!, T0 + 2);
      const names = ['send', 'report', 'nobody', 'send'];
      const counts = await s.countJobsByName(names);
      expect(counts.all).toEqual(await s.countJobs());
      expect(counts.byName).toEqual(await Promise.all(names.map((name) => s.countJobs(name))));
      expect(counts.all).toEqual({ pending: 2, running: 2, completed: 1, failed: 1, cancelled: 1, blocked: 0 });
      expect(counts.byName[0]).toEqual({ pending: 1, running: 2, completed: 0, failed: 0, cancelled: 0, blocked: 0 });
      expect((await s.countJobsByName([])).byName).toEqual([]);
      await expect(s.countJobsByName(['send', ''])).rejects.toBeInstanceOf(ValidationError);
      await expect(s.countJobsByName('send' as unknown as string[])).rejects.toBeInstanceOf(ValidationError);
    });
  });
}
