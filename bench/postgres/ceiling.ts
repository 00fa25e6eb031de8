/**
 * The PostgreSQL ceiling: the least work a PostgreSQL queue can do per job. Four connections, each looping
 * "claim 500 due rows with FOR UPDATE SKIP LOCKED" (one statement) / "complete those 500" (one statement,
 * id = ANY), on a minimal table with the same kind of partial index. No payload, no history, no leases, no
 * retries, no handler: what any real queue does is on top of this.
 */
import pg from 'pg';
import type { Driver } from '../harness/types.js';
import { dropSchema, ident, sql } from '../harness/util.js';

const BATCH = 500;
const CONNECTIONS = 4;

const driver: Driver = {
  async prepare(spec) {
    const s = ident(spec.namespace);
    await dropSchema(spec.pgUrl, s);
    await sql(spec.pgUrl, `CREATE SCHEMA ${s};
      CREATE TABLE ${s}.jobs (id bigserial PRIMARY KEY, status text NOT NULL DEFAULT 'pending', run_at bigint NOT NULL);
      CREATE INDEX ON ${s}.jobs (run_at, id) WHERE status = 'pending';`);
  },

  async enqueue(spec) {
    await sql(spec.pgUrl, `INSERT INTO ${ident(spec.namespace)}.jobs (run_at) SELECT $1::bigint FROM generate_series(1, $2::int)`, [Date.now(), spec.jobs]);
  },

  async worker(spec) {
    const s = ident(spec.namespace);
    const clients = Array.from({ length: CONNECTIONS }, () => new pg.Client({ connectionString: spec.pgUrl }));
    await Promise.all(clients.map((c) => c.connect()));
    const claim = {
      name: 'ceiling_claim',
      text: `UPDATE ${s}.jobs SET status = 'running' WHERE id IN (
               SELECT id FROM ${s}.jobs WHERE status = 'pending' AND run_at <= $1
               ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING id`,
    };
    const complete = { name: 'ceiling_complete', text: `UPDATE ${s}.jobs SET status = 'completed' WHERE id = ANY($1::bigint[])` };
    return {
      async process(jobs) {
        let done = 0;
        await Promise.all(
          clients.map(async (client) => {
            for (;;) {
              const { rows } = await client.query<{ id: string }>({ ...claim, values: [Date.now(), BATCH] });
              if (rows.length === 0) return;
              await client.query({ ...complete, values: [rows.map((r) => r.id)] });
              done += rows.length;
            }
          }),
        );
        if (done !== jobs) throw new Error(`ceiling processed ${done} of ${jobs}`);
      },
      async stop() {
        await Promise.all(clients.map((c) => c.end()));
      },
    };
  },

  cleanup: (spec) => dropSchema(spec.pgUrl, spec.namespace),
};
export default driver;
