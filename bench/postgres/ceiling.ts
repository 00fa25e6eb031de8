/**
 * The ceiling: the least work a PostgreSQL queue can do per job. One connection loops "claim BATCH with
 * FOR UPDATE SKIP LOCKED" / "complete those", on a minimal table with the same kind of partial index. No
 * payload, no history, no leases, no retries, no handler: what any real queue does is on top of this.
 * BATCH defaults to 10, the workload's concurrency. It is a ceiling for a queue that claims what it can run
 * and no more; hourglass claims ahead, and passes it. BENCH_CEILING_BATCH=100 gives the bare cost of batches of
 * a hundred (about 5 times faster here), against which a queue that runs handlers, keeps history and renews
 * leases does about a quarter as much (docs/stores/postgres.md).
 */
import pg from 'pg';
import { JOBS, PG_URL, dropSchema, sql, type Throughput } from './common.js';

const SCHEMA = 'bench_ceiling';
const BATCH = Number(process.env.BENCH_CEILING_BATCH ?? 10);

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
               ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`,
    };
    const complete = { name: 'ceiling_complete', text: `UPDATE ${SCHEMA}.jobs SET status = 'completed' WHERE id = ANY($1::bigint[])` };
    const t1 = performance.now();
    let done = 0;
    for (;;) {
      const { rows } = await client.query<{ id: string }>({ ...claim, values: [Date.now(), BATCH] });
      if (rows.length === 0) break;
      await client.query({ ...complete, values: [rows.map((r) => r.id)] });
      done += rows.length;
    }
    const processMs = performance.now() - t1;
    if (done !== JOBS) throw new Error(`ceiling processed ${done} of ${JOBS}`);
    return { contender: 'SKIP LOCKED ceiling', config: `one connection, claim ${BATCH} / complete ${BATCH}`, enqueueMs, processMs };
  } finally {
    await client.end();
    await dropSchema(SCHEMA);
  }
}
