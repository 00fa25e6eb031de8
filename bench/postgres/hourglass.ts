/**
 * hourglass/postgres. Variants: 'defaults' (Scheduler defaults: prefetch 500, the store's defaultPrefetch) and
 * 'prefetch100' (claims 100 ahead, as graphile-worker's localQueue 100 holds; the default before session 11). The backlog is one INSERT ... SELECT
 * generate_series straight into the jobs table (rows as insert.sql writes them), then VACUUM (ANALYZE).
 */
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { hourglassDriver } from '../harness/hourglass.js';
import { dropSchema, ident, sql } from '../harness/util.js';

export default hourglassDriver({
  open: (spec, purpose) =>
    new PostgresStore({ connectionString: spec.pgUrl, schema: spec.namespace, ...(purpose === 'producer' ? { poolSize: 2 } : {}) }),
  options: (spec) => (spec.entry.variant === 'prefetch100' ? { prefetch: 100 } : {}),
  otherProducer: true,
  async fill(spec, count, dueAt) {
    const now = Date.now();
    await sql(
      spec.pgUrl,
      `INSERT INTO ${ident(spec.namespace)}.jobs (name, data, priority, due_at, next_run_at, created_at, updated_at)
       SELECT 'noop', jsonb_build_object('i', i), 0, $1::bigint, $1::bigint, $2::bigint, $2::bigint FROM generate_series(1, $3::int) AS i`,
      [dueAt, now, count],
    );
  },
  async afterFill(spec) {
    // What autovacuum would have done to a table that has held its backlog for a while: visibility map and
    // hint bits set, statistics present. Otherwise autovacuum may start on the fresh rows mid-run.
    await sql(spec.pgUrl, `VACUUM (ANALYZE) ${ident(spec.namespace)}.jobs`);
    // And the fill's dirty pages written out: otherwise the next checkpoint (timed, or forced by the fill's WAL)
    // writes them during the measured run, which would pay for the fill (as a Redis run would for an AOF rewrite
    // the fill set off).
    await sql(spec.pgUrl, 'CHECKPOINT');
    return 'VACUUM (ANALYZE) and a CHECKPOINT';
  },
  cleanup: (spec) => dropSchema(spec.pgUrl, spec.namespace),
});
