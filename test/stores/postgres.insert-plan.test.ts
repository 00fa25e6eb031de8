/**
 * A batch of keyed jobs is inserted in time linear in its size: insert.sql answers each job it did not insert
 * (its key taken: by a stored job, by an earlier job of the batch, or queued behind a running one) with one sort
 * and seeks, never a scan of the batch per job. Before, `existing` scanned the batch's new rows for each
 * keyed input and an anti-join read them again: 5,000 keyed jobs in one call took 1.4 s, 20,000 about 20 s.
 * Pinned by EXPLAIN (ANALYZE) of one statement of 2,000 keyed jobs, a third of whose keys are taken already and
 * a third repeated within the batch: no scan of a CTE runs more than a few times (a per-job rescan would show
 * thousands of loops), and the statement answers every job.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Statements } from '../../src/stores/postgres/sql.js';
import { availability } from '../conformance/factory.js';
import { type PlanNode, planNodes } from './postgres.claim-explain.js';
import { postgresFactory } from './postgres.factory.js';
import { usePlanSchema } from './postgres.helpers.js';

const JOBS = 2_000;
const T0 = 1_800_000_000_000;
const { skip } = await availability(postgresFactory);

const keyOf = (i: number) => (i % 3 === 0 ? `stored-${i}` : i % 3 === 1 ? `fresh-${i}` : `twice-${i % 300}`);

describe.skipIf(skip)('postgres: a batch of keyed jobs in one statement, without a scan of the batch per job', () => {
  const t = usePlanSchema();

  beforeAll(async () => {
    const job = (key: string) => ({ name: 'work', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: key, label: null, dueAt: T0, nextRunAt: T0 });
    await t.store.insert(Array.from({ length: JOBS }, (_, i) => i).filter((i) => i % 3 === 0).map((i) => job(keyOf(i))), T0);
    await t.client.query(`ANALYZE "${t.schema}".jobs`);
  }, 60_000);

  it('answers each job with its key\'s holder, every CTE read a few times at most', async () => {
    const payload = JSON.stringify(Array.from({ length: JOBS }, (_, i) => ({ name: 'work', priority: 0, due_at: T0, next_run_at: T0, dedupe_key: keyOf(i) })));
    await t.client.query(`PREPARE keyed(jsonb, bigint, text) AS ${new Statements(`"${t.schema}"`).get('insert')}`);
    await t.client.query('BEGIN');
    try {
      const literal = (v: string) => `'${v.replace(/'/g, "''")}'`;
      const result = await t.client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE keyed(${literal(payload)}, ${T0}, 'hourglass_test')`);
      const nodes = planNodes((result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan);
      const rescans = nodes.filter((n) => n['Node Type'] === 'CTE Scan' && (n['Actual Loops'] ?? 0) > 3);
      expect(rescans.map((n) => `${n.Alias ?? '?'} loops=${n['Actual Loops']}`)).toEqual([]);
      // Every input answered: the statement's top node returns one row per job.
      expect(nodes[0]!['Actual Rows']).toBe(JOBS);
    } finally {
      await t.client.query('ROLLBACK');
    }
    // And through the store: the stored keys return their holders, the fresh ones are created, a repeated key's
    // later jobs return its first.
    const results = await t.store.insert(Array.from({ length: JOBS }, (_, i) => ({ name: 'work', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: keyOf(i), label: null, dueAt: T0, nextRunAt: T0 })), T0);
    const created = results.filter((r) => r.created).length;
    const newKeys = new Set(Array.from({ length: JOBS }, (_, i) => i).filter((i) => i % 3 !== 0).map(keyOf));
    expect(created).toBe(newKeys.size);
    const byKey = new Map<string, string>();
    results.forEach((r, i) => {
      const key = keyOf(i);
      expect(r.job.dedupeKey).toBe(key);
      if (byKey.has(key)) expect(r.job.id).toBe(byKey.get(key));
      else byKey.set(key, r.job.id);
    });
  });

  it('inserts a keyless batch (insert-plain.sql) without rescanning one of its row sets per job', async () => {
    const payload = JSON.stringify(Array.from({ length: JOBS }, (_, i) => ({ name: 'plain', priority: 0, due_at: T0, next_run_at: T0, data: `{"i":${i}}` })));
    await t.client.query(`PREPARE keyless(jsonb, bigint, text) AS ${new Statements(`"${t.schema}"`).get('insert-plain')}`);
    await t.client.query('BEGIN');
    try {
      const result = await t.client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE keyless('${payload.replace(/'/g, "''")}', ${T0}, 'hourglass_test')`);
      const nodes = planNodes((result.rows[0]['QUERY PLAN'] as [{ Plan: PlanNode }])[0].Plan);
      const rescans = nodes.filter((n) => n['Node Type'] === 'CTE Scan' && (n['Actual Loops'] ?? 0) > 3);
      expect(rescans.map((n) => `${n.Alias ?? '?'} loops=${n['Actual Loops']}`)).toEqual([]);
      expect(nodes[0]!['Actual Rows']).toBe(JOBS);
    } finally {
      await t.client.query('ROLLBACK');
    }
  });
});
