/**
 * A batch of grouped jobs writes its group's row once, whatever the order of their due times. Each inserted
 * grouped job's row trigger (groups_wake, migration 015) lowers its waiting group's wake_at; a batch inserted in
 * its own order, latest due first, rewrote the group's row once per job, every version kept until commit and
 * each trigger stepping past the others to the live one: 8,000 jobs of one group took 7 s (875 µs a job,
 * growing with the batch). insert-plain.sql now inserts earliest-due first, so the first job sets wake_at and the
 * rest leave the row as it is; a keyed batch (insert.sql) keeps each key's jobs in the batch's order (the first
 * holds the key) and orders the keys by the due time of the job inserted. Read off the row itself: a row never
 * rewritten is still the first tuple of the table's first page, `(0,1)`; each rewrite would have moved it.
 */
import { describe, expect, it } from 'vitest';
import { availability } from '../conformance/factory.js';
import { postgresFactory } from './postgres.factory.js';
import { newJob, usePlanSchema } from './postgres.helpers.js';

const T0 = 1_800_000_000_000;
const { skip } = await availability(postgresFactory);

describe.skipIf(skip)('postgres: grouped jobs inserted latest-due first', () => {
  const t = usePlanSchema(false);

  it("write their group's row once, with the earliest due time, and every job is stored with its own id order", async () => {
    const n = 500;
    const jobs = Array.from({ length: n }, (_, i) => newJob('remind', { group: 'tenant-1', dueAt: T0 + (n - i) * 1000, nextRunAt: T0 + (n - i) * 1000 }));
    const results = await t.store.insert(jobs, T0 - 1);
    expect(results.every((r) => r.created)).toBe(true);
    const ids = results.map((r) => Number(r.job.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(results.map((r) => r.job.nextRunAt)).toEqual(jobs.map((j) => j.nextRunAt));
    const { rows } = await t.client.query(`SELECT ctid::text AS ctid, wake_at::bigint AS wake_at FROM "${t.schema}".groups WHERE name = 'remind' AND grp = 'tenant-1'`);
    expect(rows).toEqual([{ ctid: '(0,1)', wake_at: String(T0 + 1000) }]);
  });
});

describe.skipIf(skip)('postgres: grouped jobs with dedupe keys inserted latest-due first', () => {
  const t = usePlanSchema(false);

  it('with dedupe keys too (insert.sql): each key\'s first job in the batch holds it, and the group\'s row is written once', async () => {
    const n = 300;
    // Keys k0..k149, each twice: its first job (by batch order) due later than its second.
    const jobs = Array.from({ length: n }, (_, i) => {
      const due = T0 + (n - i) * 1000;
      return newJob('remind-keyed', { group: 'tenant-2', dedupeKey: `k${i % (n / 2)}`, dueAt: due, nextRunAt: due });
    });
    const results = await t.store.insert(jobs, T0 - 1);
    expect(results.map((r) => r.created)).toEqual(jobs.map((_, i) => i < n / 2));
    for (let i = n / 2; i < n; i++) expect(results[i]!.job.id).toBe(results[i - n / 2]!.job.id);
    const { rows } = await t.client.query(`SELECT ctid::text AS ctid, wake_at::bigint AS wake_at FROM "${t.schema}".groups WHERE name = 'remind-keyed' AND grp = 'tenant-2'`);
    expect(rows).toEqual([{ ctid: '(0,1)', wake_at: String(T0 + (n / 2 + 1) * 1000) }]);
  });
});
