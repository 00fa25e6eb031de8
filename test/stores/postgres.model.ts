/**
 * Where PostgresStore answered differently from the reference model (MemoryStore, src/core/rules), each found
 * by test/differential and reduced to its minimal sequence here, so it stays fixed without running thousands
 * of random sequences. Registered by postgres.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ClaimRequest, ClaimedJob, Settlement } from '../../src/core/store.js';
import { T0, newJob, usePostgresStores } from './postgres.helpers.js';

function claimRequest(extra: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now: T0, workerId: 'w1', lockToken: randomUUID(), limit: 10, names: null, limits: [], lockLifetimeMs: 30_000, ...extra };
}

function settlement(job: ClaimedJob, extra: Partial<Settlement> = {}): Settlement {
  return { id: job.id, lockToken: job.lockToken, status: 'completed', finishedAt: T0 + 10, history: null, ...extra };
}

export function describePostgresModel(skip: boolean): void {
  describe.skipIf(skip)('PostgresStore answers as the model does', () => {
    const { open } = usePostgresStores();

    it('a heartbeat batch holding a stale and the current lease of one job answers each by its own token', async () => {
      const store = await open();
      await store.insert([newJob('a')], T0);
      const [first] = await store.claim(claimRequest({ lockLifetimeMs: 1000 }));
      const [second] = await store.claim(claimRequest({ now: T0 + 5000, workerId: 'w2' })); // recovered, taken again
      expect(second!.id).toBe(first!.id);
      const leases = [first!, second!].map((j) => ({ id: j.id, lockToken: j.lockToken, lockedUntil: T0 + 9000 }));
      expect(await store.heartbeat(leases, T0 + 5001)).toEqual(['lost', 'ok']);
    });

    it('two settlements of one run in a batch: the first applies, the second answers applied and changes nothing', async () => {
      const store = await open();
      await store.insert([newJob('a')], T0);
      const [job] = await store.claim(claimRequest());
      const applied = await store.settle([settlement(job!, { result: 'first' }), settlement(job!, { status: 'failed', result: 'second' })]);
      expect(applied).toEqual([true, true]);
      expect(await store.getJob(job!.id)).toMatchObject({ status: 'completed', result: 'first' });
    });

    it('a run cancelled meanwhile saves no progress; its settle keeps it cancelled but takes the due times and attempts', async () => {
      const store = await open();
      await store.insert([newJob('a')], T0);
      const [job] = await store.claim(claimRequest());
      await store.cancel(job!.id, T0 + 1);
      expect(await store.saveProgress(job!.id, job!.lockToken, 50, T0 + 2)).toBe(false);
      expect(await store.settle([settlement(job!, { status: 'pending', nextRunAt: T0 + 700, dueAt: T0 + 600, attempts: 0 })])).toEqual([true]);
      expect(await store.getJob(job!.id)).toMatchObject({ status: 'cancelled', nextRunAt: T0 + 700, dueAt: T0 + 600, attempts: 0, progress: null });
    });

    it('in one insert batch, a later job sees a repeat upsert that freed a dedupe key', async () => {
      const store = await open();
      const [repeating] = await store.insert([newJob('a', { repeatKey: 'r', repeat: { every: 1000 }, dedupeKey: 'k' })], T0);
      const [upsert, plain] = await store.insert(
        [newJob('a', { repeatKey: 'r', repeat: { every: 1000 }, dedupeKey: null }), newJob('a', { dedupeKey: 'k' })],
        T0 + 1,
      );
      expect(upsert).toMatchObject({ created: false, job: { id: repeating!.job.id, dedupeKey: null } });
      expect(plain).toMatchObject({ created: true, job: { dedupeKey: 'k' } });
    });

    it('listJobs text: a substring of name, label, data text or lastError, A-Z case ignored, % and _ plain', async () => {
      const store = await open();
      const [named, labelled, data, other, odd] = await store.insert(
        [
          newJob('SendEmail'),
          newJob('x', { label: 'Weekly Report' }),
          newJob('x', { data: { Zeta: 1, b: '50%_off' } }),
          newJob('x', { data: 'plain' }),
          newJob('x', { data: 'ÉTÉ' }),
        ],
        T0,
      );
      const [running] = await store.claim(claimRequest({ names: ['x'], limit: 1 }));
      await store.settle([settlement(running!, { status: 'pending', nextRunAt: T0 + 100, lastError: 'Boom at step 2' })]);
      const ids = async (text: string) => (await store.listJobs({ text, limit: 10, offset: 0 })).map((j) => j.id).sort();
      expect(await ids('email')).toEqual([named!.job.id]);
      expect(await ids('REPORT')).toEqual([labelled!.job.id]);
      expect(await ids('"zeta":1')).toEqual([data!.job.id]);
      expect(await ids('%_')).toEqual([data!.job.id]);
      expect(await ids('_')).toEqual([data!.job.id]);
      expect(await ids('boom')).toEqual([running!.id]);
      expect(await ids('été')).toEqual([]); // only A-Z fold: É stays É
      expect(await ids('ÉTÉ')).toEqual([odd!.job.id]);
      expect(await ids('null')).toEqual([named!.job.id, labelled!.job.id].sort()); // no data: its text is null
      expect((await store.listJobs({ text: 'x', name: 'x', status: ['pending'], limit: 1, offset: 1 })).length).toBe(1);
      expect(other).toBeDefined();
    });

    it('keeps a registry of processes: replaced by id, forgotten once silent, oldest start first', async () => {
      const store = await open();
      const record = (id: string, startedAt: number, lastSeenAt: number) => ({
        id, host: 'h', pid: 1, startedAt, lastSeenAt, stoppedAt: null, concurrency: 4, running: 1, names: ['b', 'a'],
        activity: [{ minute: T0, name: 'a', completed: 2, failed: 1, retried: 0, runTimes: [1, 0, 2] }],
      });
      await store.putProcess(record('p2', T0, T0), T0 - 1);
      await store.putProcess(record('p1', T0, T0 + 1), T0 - 1);
      await store.putProcess(record('p0', T0 + 5, T0 + 2), T0 - 1);
      expect((await store.listProcesses()).map((p) => p.id)).toEqual(['p1', 'p2', 'p0']);
      expect(JSON.stringify((await store.listProcesses())[0])).toBe(JSON.stringify(record('p1', T0, T0 + 1)));
      await store.putProcess({ ...record('p2', T0, T0 + 10), running: 3 }, T0 + 2); // p1 (seen T0 + 1) is forgotten
      expect((await store.listProcesses()).map((p) => [p.id, p.running])).toEqual([['p2', 3], ['p0', 1]]);
      await store.putProcess(record('p3', T0, T0 + 10), T0 + 11); // forgets everyone, itself too
      expect(await store.listProcesses()).toEqual([]);
    });

    it('prune takes jobs finished at the same time in insertion order, and looks at history left after them', async () => {
      const store = await open();
      const inserted = await store.insert([newJob('a'), newJob('a'), newJob('a'), newJob('b', { nextRunAt: T0 + 100_000 })], T0);
      const claimed = await store.claim(claimRequest({ names: ['a'] }));
      // Settled in reverse order, all at one time: the row versions land in the table out of insertion order.
      for (const job of [...claimed].reverse()) {
        await store.settle([settlement(job, { history: { status: 'completed', attempt: 1, startedAt: T0, completedAt: T0 + 10, error: null, stack: null, result: null, workerId: 'w1' } })]);
      }
      const live = inserted[3]!.job;
      const [b] = await store.claim(claimRequest({ now: T0 + 100_000, names: ['b'] }));
      await store.settle([settlement(b!, { status: 'pending', nextRunAt: T0 + 200_000, history: { status: 'failed', attempt: 1, startedAt: T0, completedAt: T0 + 11, error: 'x', stack: null, result: null, workerId: 'w1' } })]);

      const result = await store.prune({ finishedBefore: { completed: T0 + 1000 }, historyBefore: T0 + 1000, limit: 2 });
      // The two first inserted go; of the history left (job 3's record, then job 4's), the two oldest go.
      expect(result).toEqual({ jobs: 2, history: 2 });
      expect((await store.listJobs({ limit: 10, offset: 0 })).map((j) => j.id)).toEqual([live.id, inserted[2]!.job.id]);
      expect(await store.history(live.id)).toEqual([]);
    });
  });
}
