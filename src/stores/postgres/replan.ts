/**
 * Plans made for a small table, kept for a big one. Our statements are prepared once per connection and planned
 * generically on their first call (store.ts: plan_cache_mode), and PostgreSQL keeps that plan until something
 * invalidates it: an ANALYZE of the table (autovacuum's, up to a minute later, or never with autovacuum off),
 * DDL, or DISCARD PLANS. A plan made while the jobs table was nearly empty reads it with sequential scans and
 * hash joins, or walks the wrong partial index where costs tie, and goes on doing so once a backlog of a million
 * jobs has been written: a heartbeat of one lease took 16-19 ms at 200,000 rows, a settle 29-31, a claim 15, a
 * keyed insert 24-48 (1 ms or less each with plans made on the big table, statistics or none:
 * test/stores/postgres.replan.test.ts).
 *
 * So the store looks at the table's size on disk now and then (pg_relation_size: a stat of its files, no scan),
 * at most every `checkMs`, on a statement's way out to the pool; when the table has grown `GROWTH` times since
 * the plans were made (and is past `FLOOR_BYTES`, below which any plan is fast), each connection re-plans:
 * DISCARD PLANS, queued on it as the pool hands it out, before the statement it was handed out for. It drops the
 * connection's cached plans (its prepared statements stay) and those of the functions it ran (claim_jobs(),
 * settle_and_claim()). A table growing from nothing to ten million rows re-plans a handful of times.
 */
import type pg from 'pg';
import type { Logger } from '../../core/logger.js';

/** Re-plan once the table is this many times the size it had when the plans were made. */
export const GROWTH = 4;
/** Below this size (~5,000 jobs) no plan is slow enough to matter. */
export const FLOOR_BYTES = 1 << 20;
export const DEFAULT_CHECK_MS = 5_000;

export class Replanner {
  /** Bumped when the table outgrows the plans; a connection re-plans when its generation is older. */
  private generation = 0;
  /** The table's size when the current generation's plans were made (null: not measured yet). */
  private baseline: number | null = null;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking = false;
  private readonly planned = new WeakMap<pg.Client, number>();

  constructor(
    private readonly measure: () => Promise<number>,
    private readonly logger: () => Logger,
    private readonly checkMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly onConnect = (client: pg.PoolClient): void => void this.planned.set(client, this.generation);
  private readonly onAcquire = (client: pg.PoolClient): void => this.acquired(client);

  /** Listen on `pool`: new connections plan afresh; handed-out ones re-plan first when theirs are older. */
  attach(pool: pg.Pool): void {
    pool.on('connect', this.onConnect);
    pool.on('acquire', this.onAcquire);
  }

  /** Stop listening (a pool the store was given outlives it). */
  detach(pool: pg.Pool): void {
    pool.off('connect', this.onConnect);
    pool.off('acquire', this.onAcquire);
  }

  /** A connection handed out: queue DISCARD PLANS ahead of its statement if needed, and maybe check the size. */
  acquired(client: pg.Client): void {
    const planned = this.planned.get(client) ?? 0;
    if (planned < this.generation) {
      this.planned.set(client, this.generation);
      // Queued on the client before the statement it was handed out for (a client runs its queries in order).
      client.query('DISCARD PLANS').catch((error: Error) => this.logger().warn({ err: error }, 'postgres: DISCARD PLANS failed; this connection keeps its plans'));
    }
    this.maybeCheck();
  }

  /** Measure the table if `checkMs` has passed since the last look (one look at a time). */
  maybeCheck(): void {
    if (this.checking || this.checkMs <= 0 || this.now() - this.checkedAt < this.checkMs) return;
    this.checking = true;
    this.checkedAt = this.now();
    this.measure()
      .then((bytes) => this.observe(bytes))
      .catch((error: Error) => this.logger().debug({ err: error }, 'postgres: could not read the jobs table size'))
      .finally(() => (this.checking = false));
  }

  /** The table measures `bytes`: a new generation when it outgrew the plans. Returns whether it did. */
  observe(bytes: number): boolean {
    if (this.baseline === null || bytes < this.baseline) {
      // The first look, or the table shrank (VACUUM FULL): plans made on a bigger table are fine on a smaller one.
      this.baseline = bytes;
      return false;
    }
    if (bytes < FLOOR_BYTES || bytes < this.baseline * GROWTH) return false;
    this.logger().info({ from: this.baseline, to: bytes }, 'postgres: the jobs table outgrew the plans its connections made; each re-plans');
    this.baseline = bytes;
    this.generation++;
    return true;
  }

  /** The current generation (tests). */
  get plannedGeneration(): number {
    return this.generation;
  }
}
