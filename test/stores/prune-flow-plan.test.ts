/**
 * Retention stays index-driven with workflows (core rules/flow.ts heldBack): prune passes over a failed
 * dependency that a cascade-cancelled (or blocked) dependent still waits for, checking each candidate with a
 * seek on the edges' primary key (its own edges) and the dependent's primary key, never a scan of the edges or
 * the jobs. On SQLite and PostgreSQL, EXPLAIN of the prune statement over 2,000 failed two-node flows, and the
 * prune's answers: the dependents go first, their dependencies at the next sweep. And a ctx.flow() node's once
 * key (rules/flow.ts) is found, whatever the node's status, by one seek of the flow keys' index.
 */
import { sqlText } from '../../src/stores/sqlite/statements.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowJob, NewJob, PruneRequest, Store } from '../../src/core/store.js';
import type { PostgresStore } from '../../src/stores/postgres/index.js';
import { Statements } from '../../src/stores/postgres/sql.js';
import type { SqliteStore } from '../../src/stores/sqlite/index.js';
import { availability } from '../conformance/factory.js';
import { newJob as contractJob } from '../conformance/store-contract.js';
import { PG_URL, adminQuery, dropSchema, postgresFactory, randomSchema } from './postgres.factory.js';
import { openStore } from './postgres.helpers.js';
import { fileStore } from './sqlite.helpers.js';

const FLOWS = 2000;
const T0 = 1_800_000_000_000;
const job = (extra: Partial<NewJob> = {}): NewJob => contractJob({ name: 'a', data: null, dueAt: T0, nextRunAt: T0, ...extra });

/**
 * FLOWS flows root → child, each node with a once key (`f<i>:root`, `f<i>:child`); every root fails for good, so
 * every child is cancelled by the cascade.
 */
async function failedFlows(store: Store): Promise<void> {
  for (let i = 0; i < FLOWS; i++) {
    const nodes: FlowJob[] = [
      { ...job({ dedupeKey: `f${i}:root` }), once: true, flow: { key: 'root', dependents: true }, after: [] },
      { ...job({ dedupeKey: `f${i}:child` }), once: true, flow: { key: 'child' }, after: [0] },
    ];
    await store.insertFlow(nodes, T0);
  }
  for (;;) {
    const claimed = await store.claim({ now: T0, workerId: 'w', lockToken: 't', limit: 500, names: ['a'], limits: [], lockLifetimeMs: 60_000 });
    if (claimed.length === 0) break;
    await store.settle(claimed.map((j) => ({ id: j.id, lockToken: j.lockToken, status: 'failed' as const, lastError: 'boom', lastErrorStack: null, finishedAt: T0 + 1, history: null })));
  }
}

const request = (limit: number): PruneRequest => ({ finishedBefore: { completed: T0 + 10, failed: T0 + 10, cancelled: T0 + 10 }, historyBefore: null, limit });

/** The prune's answers until it deletes nothing: the children first (the roots are held back), then the roots. */
async function sweeps(store: Store): Promise<number[]> {
  const counts: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { jobs } = await store.prune(request(FLOWS * 2));
    if (jobs === 0) break;
    counts.push(jobs);
  }
  return counts;
}

describe('sqlite: prune passes over held-back dependencies by index seeks', () => {
  let store: SqliteStore;
  let path: string;
  let dispose: () => Promise<void>;
  let db: Database.Database;

  beforeAll(async () => {
    ({ store, path, dispose } = await fileStore());
    await failedFlows(store);
    db = new Database(path);
    db.exec('ANALYZE');
  }, 120_000);

  afterAll(async () => {
    db?.close();
    await dispose?.();
  });

  it('prune-jobs.sql: the finished-at index, then a seek per candidate on the edges and on the dependent', () => {
    const text = sqlText('prune-jobs.sql').replace(/--.*$/gm, '').trim();
    const steps = (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all({ status: 'failed', before: T0 + 10, limit: 100 }) as { detail: string }[]).map((r) => r.detail);
    expect(steps.join('\n')).not.toMatch(/^SCAN/m);
    expect(steps[0]).toMatch(/^SEARCH hourglass_jobs USING (COVERING )?INDEX hourglass_jobs_finished_at \(status=\? AND updated_at<\?\)$/);
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH e USING PRIMARY KEY \(parent_id=\?\)$/));
    expect(steps).toContainEqual(expect.stringMatching(/^SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)$/));
  });

  it('find-flow-key.sql: one seek of hourglass_jobs_flow_key; the same graph inserted again adds nothing', async () => {
    const text = sqlText('find-flow-key.sql').replace(/--.*$/gm, '').trim();
    const steps = (db.prepare(`EXPLAIN QUERY PLAN ${text}`).all({ dedupe_key: 'f7:child' }) as { detail: string }[]).map((r) => r.detail);
    expect(steps).toEqual([expect.stringMatching(/^SEARCH hourglass_jobs USING INDEX hourglass_jobs_flow_key \(dedupe_key=\?\)$/)]);
    await expectFoundAgain(store);
  });

  it('deletes the cancelled dependents first, their failed dependencies at the next sweep', async () => {
    expect(await sweeps(store)).toEqual([FLOWS, FLOWS]);
  });
});

/** Flow 7 inserted again: its failed root and cancelled child are found by their once keys, nothing is added. */
async function expectFoundAgain(store: Store): Promise<void> {
  const before = await store.countJobs();
  const again = await store.insertFlow(
    [
      { ...job({ dedupeKey: 'f7:root' }), once: true, flow: { key: 'root', dependents: true }, after: [] },
      { ...job({ dedupeKey: 'f7:child' }), once: true, flow: { key: 'child' }, after: [0] },
    ],
    T0 + 5,
  );
  expect(again.map((r) => [r.created, r.job.status])).toEqual([
    [false, 'failed'],
    [false, 'cancelled'],
  ]);
  expect(await store.countJobs()).toEqual(before);
}

const { skip } = await availability(postgresFactory);

describe.skipIf(skip)('postgres: prune passes over held-back dependencies by index seeks', () => {
  const schema = randomSchema();
  let store: PostgresStore;
  let client: pg.Client;

  beforeAll(async () => {
    store = await openStore(schema);
    await failedFlows(store);
    await adminQuery(`ANALYZE "${schema}".jobs`);
    await adminQuery(`ANALYZE "${schema}".edges`);
    client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query('SET plan_cache_mode = force_generic_plan');
  }, 180_000);

  afterAll(async () => {
    await client?.end();
    await store?.close();
    await dropSchema(schema);
  });

  it('prune.sql: jobs_finished_at, then a seek per candidate on the edges and on the dependent', async () => {
    await client.query(`PREPARE p_prune(text[], bigint[], integer, bigint, bigint) AS ${new Statements(`"${schema}"`).get('prune')}`);
    const rows = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN EXECUTE p_prune(ARRAY['completed','failed','cancelled'], ARRAY[${T0 + 10},${T0 + 10},${T0 + 10}]::bigint[], 100, NULL, ${T0 + 20})`,
    );
    const steps = rows.rows.map((r) => r['QUERY PLAN']).join('\n');
    // (The deletes of the chosen jobs may scan a table this small; the choice itself never does.)
    expect(steps).not.toMatch(/Seq Scan on edges/);
    expect(steps).toMatch(/Index (Only )?Scan using jobs_finished_at on jobs j|Bitmap Index Scan on jobs_finished_at/);
    expect(steps).toMatch(/SubPlan[\s\S]*Index (Only )?Scan using edges_pkey on edges e[\s\S]*Index Scan using jobs_pkey on jobs w/);
  });

  it('flow-once-holders.sql: a seek of jobs_flow_key; the same graph inserted again adds nothing', async () => {
    await client.query(`PREPARE p_once(text[]) AS ${new Statements(`"${schema}"`).get('flow-once-holders')}`);
    const rows = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE p_once(ARRAY['f7:root','f7:child'])`);
    const steps = rows.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(steps).not.toMatch(/Seq Scan/);
    expect(steps).toMatch(/Index (Only )?Scan using jobs_flow_key on jobs|Bitmap Index Scan on jobs_flow_key/);
    await expectFoundAgain(store);
  });

  it('deletes the cancelled dependents first, their failed dependencies at the next sweep', async () => {
    expect(await sweeps(store)).toEqual([FLOWS, FLOWS]);
  });
});
