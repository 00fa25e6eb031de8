/**
 * EXPLAIN of the hot statements on a big table, for docs/stores/postgres.md:
 *   node --import tsx bench/postgres/explain.ts [finished] [pending]
 * Fills a scratch schema with `finished` completed jobs (default 1 000 000) and `pending` due jobs (default
 * 100 000) straight from SQL, then shows the plan PostgreSQL runs for claim.sql (the generic plan of the
 * prepared statement, as the store's own pool uses it), and drops the schema.
 */
import pg from 'pg';
import { loadAsset } from '../../src/core/assets.js';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { quoteIdent, substitute } from '../../src/stores/postgres/sql.js';
import { PG_URL, dropSchema } from './common.js';

const SCHEMA = 'bench_explain';
const finished = Number(process.argv[2] ?? 1_000_000);
const pending = Number(process.argv[3] ?? 100_000);

await dropSchema(SCHEMA);
const store = new PostgresStore({ connectionString: PG_URL, schema: SCHEMA });
await store.init({ logger: silentLogger });
await store.close();
const client = new pg.Client({ connectionString: PG_URL, options: '-c plan_cache_mode=force_generic_plan' });
await client.connect();
try {
  const now = Date.now();
  await client.query(
    `INSERT INTO ${SCHEMA}.jobs (name, data, status, priority, attempts, due_at, next_run_at, last_finished_at, created_at, updated_at)
     SELECT 'job-' || (i % 20), jsonb_build_object('i', i), 'completed', 0, 1, $1::bigint - i, $1::bigint - i, $1::bigint, $1::bigint - i, $1::bigint
     FROM generate_series(1, $2) AS i`,
    [now, finished],
  );
  await client.query(
    `INSERT INTO ${SCHEMA}.jobs (name, data, priority, due_at, next_run_at, created_at, updated_at)
     SELECT 'job-' || (i % 20), jsonb_build_object('i', i), i % 3, $1::bigint - i, $1::bigint - i, $1::bigint, $1::bigint
     FROM generate_series(1, $2) AS i`,
    [now, pending],
  );
  await client.query(`VACUUM ANALYZE ${SCHEMA}.jobs`);
  const text = substitute(loadAsset(new URL('../../src/stores/postgres/store.ts', import.meta.url).href, 'sql/claim.sql'), quoteIdent(SCHEMA));
  const explain = async () => {
    await client.query('BEGIN');
    const result = await client.query({
      name: 'explain_claim',
      text: `EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING ON) ${text}`,
      values: [now, 'w1', 'token', 10, ['job-1', 'job-2'], [], [], [], [], [], 30_000, 'hourglass_bench_explain'],
    });
    await client.query('ROLLBACK');
    return result;
  };
  await explain(); // the first run plans and warms the caches; show the second, as a busy worker sees it
  const plan = await explain();
  console.log(`-- ${finished} completed + ${pending} pending jobs, claim of 10 for two names (generic plan)`);
  for (const row of plan.rows) console.log(row['QUERY PLAN']);
} finally {
  await client.end();
  await dropSchema(SCHEMA);
}
