/**
 * The ceiling: the least work a PostgreSQL queue can do per job with batches of ten. One connection loops
 * "claim 10 with FOR UPDATE SKIP LOCKED" / "complete those 10", on a minimal table with the same kind of
 * partial index. No payload, no history, no leases, no retries: what any real queue does is on top of this.
 */
import pg from 'pg';
import { JOBS, PG_URL, dropSchema, sql, type Throughput } from './common.js';

const SCHEMA = 'bench_ceiling';

export async function throughput(): Promise<Throughput> {
  await dropSchema(SCHEMA);
  await sql(`CREATE SCHEMA ${SCHEMA};
    CREATE TABLE ${SCHEMA}.jobs (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending', run_at bigint NOT NULL);
    CREATE INDEX ON ${SCHEMA}.jobs (run_at, id) WHERE status = 'pending';`);
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const t0 = performance.now();
    await client.query(`INSERT INTO ${SCHEMA}.jobs (run_at) SELECT 0 FROM generate_series(1, $1)`, [JOBS]);
    const enqueueMs = performance.now() - t0;
    const claim = {
      name: 'ceiling_claim',
      text: `UPDATE ${SCHEMA}.jobs SET status = 'running' WHERE id IN (
               SELECT id FROM ${SCHEMA}.jobs WHERE status = 'pending' AND run_at <= $1
               ORDER BY run_at, id LIMIT 10 FOR UPDATE SKIP LOCKED) RETURNING id`,
    };
    const complete = { name: 'ceiling_complete', text: `UPDATE ${SCHEMA}.jobs SET status = 'completed' WHERE id = ANY($1::bigint[])` };
    const t1 = performance.now();
    let done = 0;
    for (;;) {
      const { rows } = await client.query<{ id: string }>({ ...claim, values: [Date.now()] });
      if (rows.length === 0) break;
      await client.query({ ...complete, values: [rows.map((r) => r.id)] });
      done += rows.length;
    }
    const processMs = performance.now() - t1;
    if (done !== JOBS) throw new Error(`ceiling processed ${done} of ${JOBS}`);
    return { contender: 'SKIP LOCKED ceiling', config: 'one connection, claim 10 / complete 10', enqueueMs, processMs };
  } finally {
    await client.end();
    await dropSchema(SCHEMA);
  }
}
