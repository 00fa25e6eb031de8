/**
 * PostgresStore: jobs in one PostgreSQL schema, shared by any number of processes. Every Store operation is
 * ONE statement (one round trip) from a file under sql/, except batches that repeat a repeat key. Settling
 * and claiming together, and claims involving a globally capped name (advisory locks first, see claim.sql),
 * call settle_and_claim() (functions/settle_and_claim.sql, built from settle.sql and claim.sql): still one
 * round trip.
 */
import { FINISHED } from '../../core/rules/insert.js';
import { DEFAULT_CHECK_MS, Replanner } from './replan.js';
import { triggerStartsCycle } from '../../core/rules/steps.js';
import { earliest, rateFreeAt, ratedNames } from '../../core/rules/rate.js';
import { cascadeFrom, insertFlow, releaseRemoved, restoreFrom } from './flow.js';
import type pg from 'pg';
import { pg as driver } from './driver.js';
import { DedupeConflictError, ValidationError } from '../../core/errors.js';
import { childLogger, silentLogger, type Logger } from '../../core/logger.js';
import type {
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  FlowJob,
  GroupPruneRequest,
  GroupPruneResult,
  HistoryRow,
  InsertResult,
  JobPatch,
  JobQuery,
  JobRecord,
  Lease,
  LeaseState,
  MigrationStatus,
  NameCounts,
  NameLimit,
  NewJob,
  ProcessRecord,
  PruneRequest,
  PruneResult,
  SentEvent,
  Settlement,
  StepRecord,
  Store,
  StoreInitOptions,
  Suspension,
  GroupCount,
} from '../../core/store.js';
import { inOrderOf } from '../../core/store.js';
import { GROUP_COUNT_CAP, GROUP_SCAN, groupCountRows } from '../../core/rules/group-counts.js';
import type { RateWindow } from '../../core/rules/rate.js';
import { FINISHED_STATUSES, JOB_STATUSES, type FinishedStatus, type Json, type JobStatus } from '../../core/types.js';
import { isDeadlock, isDedupeRace, pgError } from './errors.js';
import { insertJobs } from './insert.js';
import { listStatement } from './list.js';
import { countStatement } from './count.js';
import { WakeListener } from './listener.js';
import { migrate, migrationStatus } from './migrate.js';
import { listProcesses, putProcess } from './processes.js';
import { appliedFlags, claimParams, settleParams } from './params.js';
import { jsonParam, parseId, toHistory, toRecord, type HistoryDbRow, type JobRow } from './rows.js';
import { OPERATION_OF, Statements, channelFor, quoteIdent, statementName, validateSchema, type BuiltStatement, type SqlName } from './sql.js';
import { PgSteps } from './steps.js';

export interface PostgresStoreOptions {
  /** postgres://user:pass@host:port/db — the store creates a pool it owns and ends in close(). */
  connectionString?: string;
  /** A pool you own (shared with your app, say): reused, never ended by the store. */
  pool?: pg.Pool;
  /** Schema holding hourglass's tables, created by migrate(). Default 'hourglass'. */
  schema?: string;
  /** Size of the pool the store creates from connectionString. Default 10. */
  poolSize?: number;
  /**
   * Send a batch's outcomes together with the next claim (one call of settle_and_claim()). Off by default: on
   * localhost a settle and a claim on two connections at once were faster; it may pay where the round trip to
   * the database is long.
   */
  combineSettleWithClaim?: boolean;
  /**
   * The pool mode of a connection pooler between the store and PostgreSQL (PgBouncer, and others that speak
   * its rules), when connectionString or pool points at one. Either mode: no startup `options` (PgBouncer
   * refuses them). 'transaction': no named prepared statements either (a statement prepared on one server
   * connection is missing, or already there, on the next), and LISTEN cannot work through the pooler, so
   * cross-process wake-ups need `listenConnectionString`; without it jobs start on the next poll, and the store
   * says so once at start. Default: none (a direct connection).
   */
  poolMode?: 'transaction' | 'session';
  /**
   * A direct connection to PostgreSQL for the one LISTEN connection of each store (wake-ups), when the pool
   * goes through a pooler in transaction mode. Default: the pool's own settings.
   */
  listenConnectionString?: string;
  /**
   * How often, at most, the store looks at the jobs table's size to see whether it has outgrown the plans its
   * connections made (4× since; each connection then re-plans once: replan.ts). Default 5000 ms; 0: never.
   * Not with poolMode 'transaction', whose statements are planned on every call.
   */
  planCheckMs?: number;
}

/** The longest a store transaction may sit idle between statements (see transaction()). */
export const TRANSACTION_IDLE_LIMIT = '10s';

/** Something that runs queries: the pool, or one client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  /**
   * Every claim and settle statement has a fixed cost on the server (starting a plan of ~100 nodes, a commit
   * waiting for the WAL flush): batches of ~500 instead of ~110 cut its CPU per job by about a third
   * (docs/performance.md, "Batch size"), as the bare SKIP LOCKED ceiling claims 500 a statement.
   */
  readonly defaultPrefetch = 500;
  readonly preferSettleAndClaim: boolean;
  readonly schema: string;
  private readonly quoted: string;
  private readonly channel: string;
  private readonly sql: Statements;
  private readonly options: PostgresStoreOptions;
  private readonly ownsPool: boolean;
  private pool: pg.Pool | null;
  private logger: Logger = silentLogger;
  private listener: WakeListener | null = null;
  private readonly wakeHandlers = new Set<() => void>();
  private readonly statementNames = new Map<SqlName, string>();
  private warnedNoWakeUps = false;
  /** Durable runs (steps.ts). */
  private readonly steps: PgSteps;
  /** Re-plans a connection's statements once the jobs table has outgrown them (replan.ts); null: never. */
  private readonly replanner: Replanner | null;
  private replanning: pg.Pool | null = null;

  constructor(options: PostgresStoreOptions) {
    if (!options || (options.connectionString === undefined) === (options.pool === undefined)) {
      throw new ValidationError('options', options, 'give exactly one of connectionString or pool');
    }
    this.preferSettleAndClaim = options.combineSettleWithClaim === true;
    if (options.poolSize !== undefined && (!Number.isSafeInteger(options.poolSize) || options.poolSize < 1)) {
      throw new ValidationError('poolSize', options.poolSize, 'must be a whole number ≥ 1');
    }
    this.options = options;
    this.schema = validateSchema(options.schema ?? 'hourglass');
    this.quoted = quoteIdent(this.schema);
    this.channel = channelFor(this.schema);
    this.sql = new Statements(this.quoted);
    if (options.poolMode !== undefined && options.poolMode !== 'transaction' && options.poolMode !== 'session') {
      throw new ValidationError('poolMode', options.poolMode, "must be 'transaction' or 'session' (a pooler's pool mode), or left out");
    }
    if (options.listenConnectionString !== undefined && (typeof options.listenConnectionString !== 'string' || options.listenConnectionString === '')) {
      throw new ValidationError('listenConnectionString', options.listenConnectionString, 'must be a postgres:// connection string');
    }
    if (options.planCheckMs !== undefined && (typeof options.planCheckMs !== 'number' || !Number.isFinite(options.planCheckMs) || options.planCheckMs < 0)) {
      throw new ValidationError('planCheckMs', options.planCheckMs, 'must be a number of milliseconds ≥ 0 (0: never)');
    }
    this.ownsPool = options.pool === undefined;
    this.pool = options.pool ?? null;
    const checkMs = options.planCheckMs ?? DEFAULT_CHECK_MS;
    this.replanner = options.poolMode === 'transaction' || checkMs === 0 ? null : new Replanner(() => this.tableBytes(), () => this.logger, checkMs);
    this.steps = new PgSteps({
      schema: this.schema,
      quotedSchema: this.quoted,
      notifyChannel: this.channel,
      pool: () => this.db(),
      transaction: (fn) => this.transaction(fn),
      settleOne: async (client, json) => (await this.run<{ i: number | null }>('settle', [json, this.channel], client, 'suspend')).some((r) => r.i !== null),
    });
  }

  async init(options: StoreInitOptions): Promise<void> {
    this.logger = childLogger(options.logger ?? silentLogger, { store: 'postgres', schema: this.schema });
    await this.migrate();
  }

  /** The pool, created on first use (migrate() and migrationStatus() may run without init()). */
  private db(): pg.Pool {
    if (this.pool) {
      // A pool you gave: listened on from its first use after each init() (close() stops listening).
      if (this.replanner !== null && this.replanning !== this.pool) {
        this.replanner.attach(this.pool);
        this.replanning = this.pool;
      }
      return this.pool;
    }
    const pool = new driver.Pool({
      connectionString: this.options.connectionString,
      max: this.options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      keepAlive: true,
      // Our statements are prepared once per connection. Left to itself, PostgreSQL re-plans claim.sql on
      // every call (custom plans: ~1.2 ms of planning for ~0.3 ms of work), because a plan that knows the
      // LIMIT looks cheaper than the generic one. The generic plan walks the same indexes (see claim.sql), so
      // the pool we own asks for it outright. JIT is off for the same reason as in claim_jobs(): our statements
      // read a few index pages, and a big table's estimates would make every one of them pay for compiling.
      // A pool you pass in keeps its own settings (see the docs); the claim's functions set both themselves.
      // A pooler refuses startup options: the claim's functions set both for themselves anyway.
      ...(this.options.poolMode === undefined ? { options: '-c plan_cache_mode=force_generic_plan -c jit=off' } : {}),
    });
    // An idle client dies when the server restarts; without a listener that error would crash the process.
    pool.on('error', (error) => this.logger.warn({ err: error }, 'postgres pool: an idle connection failed'));
    this.replanner?.attach(pool);
    this.replanning = pool;
    this.pool = pool;
    return pool;
  }

  /** init() may follow: the pool we own is created again on first use; a pool you gave stays yours. */
  async close(): Promise<void> {
    this.wakeHandlers.clear();
    const listener = this.listener;
    this.listener = null;
    await listener?.stop();
    if (this.ownsPool && this.pool) {
      const pool = this.pool;
      this.pool = null;
      await this.guard('close', () => pool.end());
    } else if (this.pool && this.replanning === this.pool) {
      this.replanner?.detach(this.pool);
    }
    this.replanning = null;
  }

  /** The jobs table's size on disk (replan.ts): its files' sizes, no scan. */
  private async tableBytes(): Promise<number> {
    const { rows } = await this.db().query<{ bytes: string }>('SELECT pg_relation_size($1::regclass) AS bytes', [`${this.quoted}.jobs`]);
    return Number(rows[0]!.bytes);
  }

  async migrate(): Promise<MigrationStatus> {
    return this.guard('migrate', () => migrate(this.db(), this.schema, this.quoted));
  }

  /** Apply versions up to `version` only (tests build old schemas with it). */
  async migrateTo(version: number): Promise<MigrationStatus> {
    return this.guard('migrate', () => migrate(this.db(), this.schema, this.quoted, version));
  }

  async migrationStatus(): Promise<MigrationStatus> {
    return this.guard('migrationStatus', () => migrationStatus(this.db(), this.quoted));
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(pgError('ping', new Error('no answer within 5 s'))), 5_000);
    });
    try {
      await Promise.race([this.guard('ping', () => this.db().query('SELECT 1')), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Run one statement file with its values, as a named prepared statement (parsed and planned once per
   * connection). An error names `operation`: by default the Store method the file serves.
   */
  async run<R extends pg.QueryResultRow>(name: SqlName, values: unknown[], via: Queryable = this.db(), operation: string = OPERATION_OF[name]): Promise<R[]> {
    const text = this.sql.get(name);
    let statement = this.statementNames.get(name);
    if (statement === undefined) {
      statement = statementName(name, text);
      this.statementNames.set(name, statement);
    }
    return this.runBuilt<R>(operation, { name: statement, text, values }, via);
  }

  /**
   * Run a statement with its name and values: a file's (run()) or one list.ts or count.ts wrote. Behind a pooler
   * in transaction mode each statement may reach another server connection: unnamed, parsed on every call (the
   * claim's plan stays cached inside its function).
   */
  private runBuilt<R extends pg.QueryResultRow>(operation: string, statement: BuiltStatement, via: Queryable = this.db()): Promise<R[]> {
    const query = this.options.poolMode === 'transaction' ? { text: statement.text, values: statement.values } : statement;
    return this.guard(operation, async () => (await via.query<R>(query)).rows);
  }

  /**
   * Run `fn` in a transaction on one client; a failed client is discarded rather than returned to the pool.
   * The transaction may sit idle between its statements for 10 s at most: ours follow each other at once, so
   * only a stalled client (a partition, a frozen process) waits that long, and the server then ends its session
   * instead of keeping its row locks and dedupe-key turns (dedupe-lock.sql) until it finds the connection dead.
   */
  async transaction<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.guard('connect', () => this.db().connect());
    let failed: Error | undefined;
    // A connection lost while handed out (the idle limit above, a server restart) emits 'error' on its client,
    // which the pool listens for only while the client is idle: unheard, it would end the process. Its next
    // query fails instead, and the client is discarded.
    const lost = (error: Error): void => void (failed ??= error);
    client.on('error', lost);
    try {
      await client.query(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = '${TRANSACTION_IDLE_LIMIT}'`);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      failed = error as Error;
      await client.query('ROLLBACK').catch(() => undefined);
      throw pgError('transaction', error);
    } finally {
      client.off('error', lost);
      client.release(failed);
    }
  }

  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw pgError(operation, error);
    }
  }

  get notifyChannel(): string {
    return this.channel;
  }

  async insert(jobs: NewJob[], now: number): Promise<InsertResult[]> {
    return insertJobs(this, jobs, now);
  }

  async insertFlow(jobs: FlowJob[], now: number): Promise<InsertResult[]> {
    return insertFlow(this, jobs, now);
  }

  async rateFreeAt(limits: NameLimit[], now: number): Promise<number | null> {
    const rated = ratedNames(limits);
    if (rated.length === 0) return null;
    const rows = await this.run<{ used: number; oldest: string | null }>('rate-free-at', [
      rated.map((r) => r.name),
      rated.map((r) => r.rate.perMs),
      rated.map((r) => r.rate.byGroup === true),
      now,
    ]);
    return earliest(rated.map(({ rate }, i) => rateFreeAt(rate, { used: rows[i]!.used, oldest: rows[i]!.oldest === null ? null : Number(rows[i]!.oldest) } satisfies RateWindow)));
  }

  /** Groups' upkeep (rules/groups.ts forgettable): a locked page, then the forgettable ones of it, in one transaction. */
  async pruneGroups(request: GroupPruneRequest): Promise<GroupPruneResult> {
    const [name, grp] = request.cursor === null ? ['', ''] : (JSON.parse(request.cursor) as [string, string]);
    return this.transaction(async (client) => {
      const page = await this.run<{ name: string; grp: string }>('group-prune-page', [name, grp, Math.max(0, request.limit)], client);
      if (page.length === 0) return { forgotten: 0, next: null };
      const [row] = await this.run<{ forgotten: number }>('group-forget', [page.map((p) => p.name), page.map((p) => p.grp), request.now, request.rateBefore], client);
      const last = page[page.length - 1]!;
      return { forgotten: row!.forgotten, next: page.length < request.limit ? null : JSON.stringify([last.name, last.grp]) };
    });
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    const { values, globals } = claimParams(request, this.channel);
    // A globally capped name needs advisory locks before the claim's snapshot (see claim.sql):
    // settle_and_claim() with no settlements takes them and claims in one call.
    if (globals.length > 0) return (await this.combined([], request, 'claim')).claimed;
    const rows = await this.run<JobRow>('claim-jobs', values);
    const claimed: ClaimedJob[] = [];
    for (const row of rows) if (row.id !== null) claimed.push(Object.assign(toRecord(row), { lockToken: request.lockToken }));
    return claimed;
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    const { json, count } = settleParams(settlements);
    if (count === 0) return settlements.map(() => false);
    const rows = await this.run<{ i: number | null }>('settle', [json, this.channel]);
    return appliedFlags(settlements.length, rows.map((r) => r.i));
  }

  /**
   * settle() then claim() in one call of settle_and_claim(): one round trip, one transaction,
   * and the claim sees the settlements applied (a retry due now, a capped name's freed slot).
   */
  async settleAndClaim(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    return this.combined(settlements, request, 'settleAndClaim');
  }

  private async combined(settlements: Settlement[], request: ClaimRequest, operation: string): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    const { values, globals } = claimParams(request, this.channel);
    const settle = settleParams(settlements);
    if (settle.count === 0 && globals.length === 0) return { settled: settlements.map(() => false), claimed: await this.claim(request) };
    const rows = await this.run<JobRow>('settle-and-claim', [...values.slice(0, 12), settle.json, this.schema, globals, ...values.slice(12)], this.db(), operation);
    // Rows with only an id (status NULL) name applied settlements by position; the rest are claim.sql's rows.
    const applied = rows.flatMap((r) => (r.status === null && r.id !== null ? [r.id] : []));
    const claimed: ClaimedJob[] = [];
    for (const row of rows) if (row.status !== null) claimed.push(Object.assign(toRecord(row), { lockToken: request.lockToken }));
    return { settled: appliedFlags(settlements.length, applied), claimed };
  }

  async heartbeat(leases: Lease[], now: number): Promise<LeaseState[]> {
    const valid = leases.filter((l) => parseId(l.id) !== null);
    if (valid.length === 0) return leases.map(() => 'lost');
    const rows = await this.run<{ id: string; lock_token: string; status: JobStatus }>('heartbeat', [
      valid.map((l) => parseId(l.id)),
      valid.map((l) => l.lockToken),
      valid.map((l) => l.lockedUntil),
      now,
    ]);
    // By job and token: a batch may hold a stale lease and the current one of the same job.
    const key = (id: string, token: string) => `${id} ${token}`;
    const states = new Map(rows.map((r) => [key(r.id, r.lock_token), r.status === 'cancelled' ? ('cancelled' as const) : ('ok' as const)]));
    return leases.map((l) => states.get(key(parseId(l.id) ?? '', l.lockToken)) ?? 'lost');
  }

  async saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    return (await this.run('progress', [key, lockToken, JSON.stringify(progress ?? null), now])).length === 1;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const [row] = await this.run<JobRow>('get-job', [key]);
    return row ? toRecord(row) : null;
  }

  async finishedAt(status: FinishedStatus, rank: number): Promise<number | null> {
    const [row] = await this.run<{ updated_at: string }>('finished-at', [status, Math.max(0, Math.floor(rank))]);
    return row ? Number(row.updated_at) : null;
  }

  /** One statement for all of them (sql/get-jobs.sql), in the order of `ids`. */
  async getJobs(ids: readonly string[]): Promise<JobRecord[]> {
    const keys = ids.map(parseId).filter((key): key is string => key !== null);
    if (keys.length === 0) return [];
    const rows = await this.run<JobRow>('get-jobs', [keys]);
    return inOrderOf(keys, rows, (row) => String(row.id)).map(toRecord);
  }

  /** list.ts: one statement, chosen and prepared per order and filters. */
  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    if (query.limit <= 0) return [];
    return (await this.runBuilt<JobRow>('listJobs', listStatement(query, this.quoted))).map(toRecord);
  }

  async prune(request: PruneRequest): Promise<PruneResult> {
    const statuses = FINISHED_STATUSES.filter((s) => request.finishedBefore[s] !== undefined);
    const limit = Math.max(0, Math.floor(request.limit));
    if (limit === 0) return { jobs: 0, history: 0 };
    const values = [statuses, statuses.map((s) => request.finishedBefore[s]), limit, request.historyBefore, request.now ?? Date.now()];
    for (let round = 1; ; round++) {
      try {
        const [row] = await this.run<{ jobs: number; history: number }>('prune', values);
        return { jobs: row?.jobs ?? 0, history: row?.history ?? 0 };
      } catch (error) {
        // Aborted to break a deadlock with a settle (errors.ts isDeadlock): the settle went on, so this time the
        // cascade finds the edge free.
        if (round >= 3 || !isDeadlock(error)) throw error;
      }
    }
  }

  /** count.ts: one statement per set of statuses, with or without a name. */
  async countJobs(name?: string, statuses: readonly JobStatus[] = JOB_STATUSES): Promise<Record<JobStatus, number>> {
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    const statement = countStatement(name, statuses, this.quoted);
    if (statement === null) return counts;
    for (const row of await this.runBuilt<{ status: JobStatus; n: number }>('countJobs', statement)) counts[row.status] = row.n;
    return counts;
  }

  /** count-by-name.sql: every job read once for the totals and each name's counts. */
  async countJobsByName(names: readonly string[]): Promise<NameCounts> {
    const zero = () => Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    const distinct = [...new Set(names)];
    const rows = await this.run<{ name: string | null; status: JobStatus; n: number }>('count-by-name', [distinct]);
    const all = zero();
    const byName = new Map(distinct.map((name) => [name, zero()]));
    for (const row of rows) {
      all[row.status] += row.n;
      if (row.name !== null) byName.get(row.name)![row.status] = row.n;
    }
    return { all, byName: names.map((name) => ({ ...byName.get(name)! })) };
  }

  /** group-counts.sql: bounded as rules/group-counts.ts says. */
  async groupCounts(name: string, now: number): Promise<GroupCount[]> {
    const rows = await this.run<{ grp: string; due: number; running: number }>('group-counts', [name, now, GROUP_SCAN, GROUP_COUNT_CAP]);
    return groupCountRows(rows.map((r) => ({ group: r.grp, due: r.due, running: r.running })));
  }

  /** rate-window.sql. */
  async rateWindow(name: string, key: string, perMs: number, now: number): Promise<RateWindow> {
    const [row] = await this.run<{ used: number; oldest: string | null }>('rate-window', [name, key, perMs, now]);
    return { used: Number(row?.used ?? 0), oldest: row?.oldest == null ? null : Number(row.oldest) };
  }

  async history(jobId: string, limit?: number): Promise<HistoryRow[]> {
    const key = parseId(jobId);
    if (key === null) return [];
    return (await this.run<HistoryDbRow>('history', [key, limit ?? null])).map(toHistory);
  }

  async cancel(id: string, now: number): Promise<CancelResult | null> {
    const key = parseId(id);
    if (key === null) return null;
    // One transaction: the job, then its dependents (flow.ts).
    return this.transaction(async (client) => {
      const [row] = await this.run<JobRow & { previous: JobStatus }>('cancel', [key, now], client);
      if (!row) return null;
      const job = toRecord(row);
      if (job.status === 'cancelled' && row.previous !== 'cancelled' && FLOW_LIVE.has(row.previous)) await cascadeFrom(this, job, 'cancelled', now, client);
      return { job, previous: row.previous };
    });
  }

  async trigger(id: string, now: number): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    for (let round = 1; ; round++) {
      let row: (JobRow & { holder_id: string | null; previous: JobStatus | null }) | undefined;
      try {
        // One transaction: the job (trigger.sql), then a finished job starting a new cycle loses its entries
        // (steps.ts) and its dependents a cascade cancelled wait again (flow.ts).
        row = await this.transaction(async (client) => {
          // Bringing a finished job back makes it its key's holder: it takes the key's turn first, shared, as an
          // insert does (dedupe-lock.sql), so a holder within its dedupeFor period is committed before the
          // statement begins, and seen (a lock before the row's, as inserts take them).
          const [keyed] = await this.run<{ key: string | null; status: JobStatus }>('trigger-key', [key], client);
          if (keyed?.key != null && FINISHED.has(keyed.status)) await this.run('dedupe-lock', [this.schema, [], [keyed.key]], client);
          const [prev] = await this.run<{ status: JobStatus }>('trigger-lock', [key], client);
          const [triggered] = await this.run<JobRow & { holder_id: string | null; previous: JobStatus | null }>('trigger', [key, now, this.channel], client);
          const was = prev?.status;
          if (triggered && triggered.holder_id === null && was !== undefined && triggerStartsCycle({ status: was })) await this.guard('trigger', () => this.steps.clearCycle(client, key));
          if (triggered && triggered.holder_id === null && triggered.previous !== null && FINISHED.has(triggered.previous)) await restoreFrom(this, toRecord(triggered), now, client);
          return triggered;
        });
      } catch (error) {
        // A holder committed after the statement began (see trigger.sql): the next statement sees it.
        if (round < 5 && isDedupeRace(error)) continue;
        throw error;
      }
      if (!row) return null;
      if (row.holder_id !== null) throw new DedupeConflictError(String(row.id), row.dedupe_key!, String(row.holder_id));
      return toRecord(row);
    }
  }

  async update(id: string, patch: JobPatch, now: number): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const [row] = await this.run<JobRow>('update', [
      key,
      now,
      patch.data !== undefined,
      jsonParam(patch.data),
      patch.priority !== undefined,
      patch.priority ?? null,
      patch.maxAttempts !== undefined,
      patch.maxAttempts ?? null,
      patch.repeat !== undefined,
      jsonParam(patch.repeat),
      patch.nextRunAt ?? null,
      patch.dueAt ?? null,
      this.channel,
    ]);
    return row ? toRecord(row) : null;
  }

  async remove(id: string, now: number = Date.now()): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    // One transaction: its dependents follow and stop waiting for it (flow.ts, rules/flow.ts removed), then it goes.
    return this.transaction(async (client) => {
      const [row] = await this.run<JobRow>('lock-job', [key], client);
      if (row) {
        const record = toRecord(row);
        await cascadeFrom(this, record, 'removed', now, client);
        await releaseRemoved(this, record, now, client);
      }
      return (await this.run('remove', [key], client)).length === 1;
    });
  }

  async putProcess(record: ProcessRecord, forgetBefore: number): Promise<void> {
    return putProcess(this, record, forgetBefore);
  }

  async listProcesses(): Promise<ProcessRecord[]> {
    return listProcesses(this);
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    // Resuming makes that name's due jobs claimable at once: resume.sql wakes the other processes.
    if (paused) await this.run('pause', [name, Date.now()]);
    else await this.run('resume', [name, this.channel]);
  }

  async pausedNames(): Promise<string[]> {
    return (await this.run<{ name: string }>('paused-names', [])).map((r) => r.name);
  }

  async acquireLock(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    return (await this.run('acquire-lock', [name, owner, now + ttlMs, now])).length === 1;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return (await this.run('release-lock', [name, owner])).length === 1;
  }

  async subscribe(onWake: () => void): Promise<() => Promise<void>> {
    this.wakeHandlers.add(onWake);
    if (!this.listener && this.options.poolMode === 'transaction' && this.options.listenConnectionString === undefined) {
      if (!this.warnedNoWakeUps) {
        this.warnedNoWakeUps = true;
        this.logger.warn(
          { schema: this.schema },
          "postgres wake-ups are off: poolMode 'transaction' cannot LISTEN through the pooler; jobs start on the next poll. Give listenConnectionString (a direct connection) to wake other processes at once",
        );
      }
    } else if (!this.listener) {
      this.listener = new WakeListener({
        clientConfig: this.listenerConfig(),
        channel: this.channel,
        logger: this.logger,
        onWake: () => {
          for (const handler of this.wakeHandlers) handler();
        },
      });
      await this.listener.start();
      void this.probeWakeUps(this.listener);
    }
    return async () => {
      this.wakeHandlers.delete(onWake);
      if (this.wakeHandlers.size === 0 && this.listener) {
        const listener = this.listener;
        this.listener = null;
        await listener.stop();
      }
    };
  }

  /**
   * Check once that a NOTIFY sent through the pool reaches our LISTEN connection, and warn when it does not
   * (a pooler in transaction mode not declared as poolMode, a listener reaching another server): without
   * wake-ups, jobs still run, but only on the next poll.
   */
  private async probeWakeUps(listener: WakeListener): Promise<void> {
    if (!listener.connected) return; // it reconnects and logs on its own
    const heard = await listener
      .probe((payload) => this.db().query('SELECT pg_notify($1, $2)', [this.channel, payload]), 5_000)
      .catch(() => true); // the pool failing is reported by the calls that need it
    if (!heard && this.listener === listener) {
      this.logger.warn(
        { schema: this.schema, channel: this.channel },
        'postgres wake-ups are not arriving: a NOTIFY sent through the pool did not reach the LISTEN connection within 5 s (a pooler in transaction mode? set poolMode and listenConnectionString); jobs start on the next poll',
      );
    }
  }

  /** The LISTEN connection's settings: those of the pool (ours or the user's), named so it shows in pg_stat_activity. */
  private listenerConfig(): pg.ClientConfig {
    const base: pg.ClientConfig = this.options.listenConnectionString
      ? { connectionString: this.options.listenConnectionString }
      : this.options.pool
        ? { ...this.options.pool.options }
        : { connectionString: this.options.connectionString };
    return { ...base, keepAlive: true, connectionTimeoutMillis: 10_000, application_name: `hourglass listen ${this.schema}`.slice(0, 63) };
  }

  // ---- durable runs (steps.ts) -------------------------------------------------------------------------------

  async loadSteps(id: string): Promise<StepRecord[]> {
    return this.guard('loadSteps', () => this.steps.load(id));
  }

  async saveStep(id: string, lockToken: string, step: StepRecord, _now: number): Promise<boolean> {
    return this.guard('saveStep', () => this.steps.save(id, lockToken, step));
  }

  async clearSteps(id: string, lockToken: string): Promise<boolean> {
    return this.guard('clearSteps', () => this.steps.clear(id, lockToken));
  }

  async suspend(s: Suspension): Promise<boolean> {
    return this.guard('suspend', () => this.steps.suspend(s));
  }

  async findEvent(name: string, match: Record<string, Json>, since: number): Promise<SentEvent | null> {
    return this.guard('findEvent', () => this.steps.find(name, match, since));
  }

  async pruneEvents(before: number): Promise<number> {
    return this.guard('pruneEvents', () => this.steps.pruneEvents(before));
  }

  async sendEvent(name: string, payload: Json, now: number): Promise<number> {
    return this.guard('sendEvent', () => this.steps.send(name, payload, now));
  }
}

/** Statuses a cancel takes a workflow node from (a finished one is left as it was). */
const FLOW_LIVE: ReadonlySet<JobStatus> = new Set(['pending', 'running', 'blocked']);
