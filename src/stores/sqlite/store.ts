/**
 * SqliteStore: the embedded default. One better-sqlite3 connection per store, WAL mode, a busy timeout,
 * and one IMMEDIATE write transaction per batch (claim, settle, heartbeat, insert), so several processes can
 * share one file: SQLite's write lock serialises them and every state change is atomic.
 * better-sqlite3 is synchronous; each transaction is short (no awaits inside), so holding it never blocks
 * another process for long.
 * Every method runs through run(), so a driver error (a constraint, a closed or busy database) leaves as a
 * StoreError naming the operation, with the driver's error as its cause; our own typed errors pass through.
 */
import type Database from 'better-sqlite3';
import { DedupeConflictError, StoreError, storeError } from '../../core/errors.js';
import { requireDriver } from '../../core/store-url.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type {
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  FlowJob,
  GroupPruneRequest,
  GroupPruneResult,
  InsertResult,
  JobPatch,
  JobQuery,
  JobRecord,
  Lease,
  LeaseState,
  MigrationStatus,
  HistoryRow,
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
import type { FinishedStatus, Json, JobStatus } from '../../core/types.js';
import { FINISHED_STATUSES, JOB_STATUSES } from '../../core/types.js';
import { claimRows } from './claim.js';
import { afterEnd, afterPrune, afterTrigger, insertFlowRows } from './flow.js';
import { FINISHED } from '../../core/rules/insert.js';
import { triggerStartsCycle } from '../../core/rules/steps.js';
import { insertRows } from './insert.js';
import { isPendingByNextRun, listStatement, pendingRows } from './list.js';
import { migrate, migrationStatus } from './migrate.js';
import { listProcessRows, putProcessRow } from './processes.js';
import { jsonText, parseId, toHistory, toRecord, type HistoryRow as HistoryRowData, type JobRow } from './rows.js';
import { pruneGroupRows } from './groups.js';
import { Reader } from './reader.js';
import { rateFreeAtRows } from './rate.js';
import { settleRows } from './settle.js';
import { sqlText } from './statements.js';
import * as steps from './steps.js';
import { watchCommits } from './wake.js';
import { MIN_SQLITE_VERSION, sqliteTooOld } from './version.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (one process only). Default './hourglass.db'. */
  path?: string;
  /**
   * 'full' (default): a committed job survives power loss (the application's writes wait for an fsync; a
   * worker's claims and settles do not need to: see bookkeeping()). 'normal': faster commits in WAL mode; an
   * OS crash or power loss may roll back the last transactions (an application crash loses nothing either way).
   */
  synchronous?: 'full' | 'normal';
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

/**
 * The driver, loaded when this module is: without better-sqlite3 installed, `import 'hourglass-jobs/sqlite'`
 * throws DriverMissingError (DRIVER_MISSING, naming the package to install) rather than Node's bare
 * ERR_MODULE_NOT_FOUND, which a static import would raise before any of our code runs.
 */
const Driver = requireDriver<typeof Database>('better-sqlite3');


/** Each connection's page cache, in KiB (see open()). */
const CACHE_KB = 4096;
/**
 * The reader thread's page cache, in KiB: its reads walk index ranges once each, so pages are rarely met twice
 * and the OS's file cache serves them as well (a count of a million entries took as long with 2 MB as with 4).
 * The thread costs ~10 MB of the process's RSS once started, 3 MB less than with 4 MB of cache.
 */
const READER_CACHE_KB = 1024;

type Statement = Database.Statement;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  /**
   * Each settle-and-claim is one write transaction, and its statements cost less per job in a bigger batch (each
   * page written once per transaction; docs/performance.md, "Batch size"). A batch holds the event loop for its
   * whole transaction: measured with 10 slots of no-op jobs, 100 ran 23,363 jobs/s with event-loop delays of
   * p99 17 ms, 300 ran 30,217 at p99 25 ms, 500 ran 31,875 at p99 34 ms. 300 takes most of the gain for a
   * process that also serves requests.
   */
  readonly defaultPrefetch = 300;
  /** In-process and synchronous: one transaction for both beats two, and there is no round trip to overlap. */
  readonly preferSettleAndClaim = true;
  readonly path: string;
  private readonly options: SqliteStoreOptions;
  private db: Database.Database | null = null;
  private statements = new Map<string, Statement>();
  /** The reads that grow with the table (reader.ts); started by the first, for a file only. */
  private reader: Reader | null = null;
  private logger: Logger = silentLogger;

  constructor(options: SqliteStoreOptions = {}) {
    this.options = options;
    this.path = options.path ?? './hourglass.db';
  }

  /** Runs `work` on the open database; whatever it throws leaves through storeError(). */
  private run<T>(operation: string, work: (db: Database.Database) => T): T {
    try {
      return work(this.database);
    } catch (error) {
      throw storeError(this.kind, operation, error);
    }
  }

  async init(options: StoreInitOptions): Promise<void> {
    this.logger = options.logger;
    const db = this.open();
    try {
      migrate(db);
    } catch (error) {
      throw storeError(this.kind, 'init', error);
    }
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    let db: Database.Database | undefined;
    try {
      db = new Driver(this.path);
      const version = db.prepare('SELECT sqlite_version()').pluck().get() as string;
      if (sqliteTooOld(version)) {
        throw new Error(`SQLite ${version} is older than ${MIN_SQLITE_VERSION}, the oldest this store runs on (src/stores/sqlite/version.ts)`);
      }
      db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
      if (this.path !== ':memory:') db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.pragma('foreign_keys = ON');
      // better-sqlite3 builds SQLite with a 16 MB page cache per connection, and a worker fills it within a
      // minute at a big backlog: 15 MB of the worker's RSS (143 → 128 MB at 1,000,000 jobs). 4 MB holds what a
      // claim and a settle touch (index paths and the table pages being written); the rest comes from the OS's
      // file cache at the cost of a read call, which changed neither the rate nor the claim time measured
      // (docs/performance.md "Memory").
      db.pragma(`cache_size = ${-CACHE_KB}`);
    } catch (error) {
      db?.close();
      throw new StoreError(`cannot open SQLite database at ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    this.db = db;
    return db;
  }

  private get database(): Database.Database {
    if (!this.db) throw new StoreError('the SQLite store is not open: call init() (the Scheduler does) first');
    return this.db;
  }

  /** A prepared statement, by SQL file name or text, prepared once per connection. An arrow: passed to claim.ts and friends. */
  private readonly stmt = (file: string): Statement => {
    let statement = this.statements.get(file);
    if (!statement) {
      statement = this.database.prepare(file.endsWith('.sql') ? sqlText(file) : file);
      this.statements.set(file, statement);
    }
    return statement;
  };

  /**
   * Statements belong to the connection: dropped with it. A ':memory:' database goes with its connection too,
   * so init() after close() opens an empty one (see docs/stores/sqlite.md).
   */
  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    await reader?.close();
    this.statements.clear();
    const db = this.db;
    this.db = null;
    try {
      db?.close();
    } catch (error) {
      throw storeError(this.kind, 'close', error);
    }
  }

  /**
   * Wake-ups from other processes sharing the file (wake.ts): a commit to the file wakes `onWake` within
   * milliseconds. None for ':memory:' (one connection only).
   */
  async subscribe(onWake: () => void): Promise<() => Promise<void>> {
    if (this.path === ':memory:') return async () => undefined;
    const watch = this.run('subscribe', () =>
      watchCommits(this.path, onWake, (error) => this.logger.warn({ err: error, path: this.path }, 'sqlite wake-ups stopped; relying on polling')),
    );
    return async () => watch.close();
  }

  async migrate(): Promise<MigrationStatus> {
    const db = this.open();
    return this.run('migrate', () => migrate(db));
  }

  async migrationStatus(): Promise<MigrationStatus> {
    const db = this.open();
    return this.run('migrationStatus', () => migrationStatus(db));
  }

  async ping(): Promise<void> {
    this.run('ping', () => this.stmt('SELECT 1').get());
  }

  async insert(jobs: NewJob[], now: number): Promise<InsertResult[]> {
    return this.run('insert', (db) => db.transaction(() => insertRows(this.stmt, jobs, now)).immediate());
  }

  async insertFlow(jobs: FlowJob[], now: number): Promise<InsertResult[]> {
    return this.run('insertFlow', (db) => db.transaction(() => insertFlowRows(this.stmt, jobs, now)).immediate());
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    return this.bookkeeping('claim', () => claimRows(this.stmt, request));
  }

  async rateFreeAt(limits: NameLimit[], now: number): Promise<number | null> {
    return this.run('rateFreeAt', () => rateFreeAtRows(this.stmt, limits, now));
  }

  async pruneGroups(request: GroupPruneRequest): Promise<GroupPruneResult> {
    return this.run('pruneGroups', (db) => db.transaction(() => pruneGroupRows(this.stmt, request)).immediate());
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    return this.bookkeeping('settle', () => settleRows(this.stmt, settlements));
  }

  /** Both in one write transaction: the outcomes of the last batch, then the next claim (which sees them). */
  async settleAndClaim(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    return this.bookkeeping('settleAndClaim', () => ({ settled: settleRows(this.stmt, settlements), claimed: claimRows(this.stmt, request) }));
  }

  async heartbeat(leases: Lease[], now: number): Promise<LeaseState[]> {
    if (leases.length === 0) return [];
    return this.bookkeeping('heartbeat', () =>
      leases.map((lease): LeaseState => {
        const row = this.stmt('heartbeat.sql').get({ id: parseId(lease.id), token: lease.lockToken, locked_until: lease.lockedUntil, now }) as
          | { status: JobStatus }
          | undefined;
        if (!row) return 'lost';
        return row.status === 'cancelled' ? 'cancelled' : 'ok';
      }),
    );
  }

  /**
   * A worker's own bookkeeping (claim, settle, heartbeat) in one write transaction that, in WAL mode, commits
   * without waiting for the disk even when `synchronous` is 'full'. Every process that could run a job shares
   * this machine (WAL needs shared memory), so a power loss or OS crash that rolls such a commit back has
   * stopped every worker too: a lost claim or lease cannot let two processes run one job, and a lost settle
   * runs its job again (at least once, as after any crash). The application's own writes (enqueue, cancel,
   * trigger, a step's result...) keep the fsync, and the next one makes every earlier commit durable with it:
   * the WAL is one file, written in order. See docs/stores/sqlite.md "Durability".
   */
  private bookkeeping<T>(operation: string, work: () => T): T {
    return this.run(operation, (db) => {
      if (!this.relaxWorkerCommits) return db.transaction(work).immediate();
      this.stmt('PRAGMA synchronous = NORMAL').run();
      try {
        return db.transaction(work).immediate();
      } finally {
        this.stmt('PRAGMA synchronous = FULL').run();
      }
    });
  }

  /** synchronous 'full' in WAL mode (a ':memory:' database has no WAL, and 'normal' is relaxed already). */
  private get relaxWorkerCommits(): boolean {
    return this.options.synchronous !== 'normal' && this.path !== ':memory:';
  }

  async saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean> {
    return this.run('saveProgress', () => {
      const info = this.stmt('progress.sql').run({ id: parseId(id), token: lockToken, progress: JSON.stringify(progress), now });
      return info.changes === 1;
    });
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const row = this.run('getJob', () => this.row(key));
    return row ? toRecord(row) : null;
  }

  async finishedAt(status: FinishedStatus, rank: number): Promise<number | null> {
    const row = this.run('finishedAt', () => this.stmt('finished-at.sql').get({ status, rank: Math.max(0, Math.floor(rank)) }) as { updated_at: number } | undefined);
    return row ? row.updated_at : null;
  }

  /** One statement for all of them (sql/get-jobs.sql), in the order of `ids`. */
  async getJobs(ids: readonly string[]): Promise<JobRecord[]> {
    const keys = ids.map(parseId).filter((key): key is number => key !== null);
    if (keys.length === 0) return [];
    const rows = this.run('getJobs', () => this.stmt('get-jobs.sql').all(JSON.stringify(keys)) as JobRow[]);
    return inOrderOf(keys, rows, (row) => row.id).map(toRecord);
  }

  private row(key: number): JobRow | undefined {
    return this.stmt('SELECT * FROM hourglass_jobs WHERE id = ?').get(key) as JobRow | undefined;
  }

  /**
   * list.ts. Pending jobs by nextRunAt: several bounded statements in one deferred (read) transaction, so they read
   * one snapshot. Every other list: one statement that may walk or sort the table, read on the reader thread.
   */
  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    if (query.limit <= 0) return [];
    if (isPendingByNextRun(query)) return this.run('listJobs', (db) => db.transaction(() => pendingRows(query, this.stmt))());
    const { text, params } = listStatement(query);
    return (await this.scan<JobRow>('listJobs', text, params)).map(toRecord);
  }

  /**
   * The rows of a read whose cost grows with the table (a SQL file's name or a statement's text): on the reader
   * thread (reader.ts), so the event loop goes on meanwhile; on this connection for a database only it can see
   * (':memory:', or '' for a private temporary file).
   */
  private async scan<T>(operation: string, sql: string, params: Record<string, unknown>): Promise<T[]> {
    this.run(operation, () => this.database); // not open: the error every call gives
    if (this.path === ':memory:' || this.path === '') return this.run(operation, () => this.stmt(sql).all(params) as T[]);
    this.reader ??= new Reader(this.path, this.options.busyTimeoutMs ?? 5000, READER_CACHE_KB);
    try {
      return (await this.reader.all(sql.endsWith('.sql') ? sqlText(sql) : sql, params)) as T[];
    } catch (error) {
      throw storeError(this.kind, operation, error);
    }
  }

  async countJobs(name?: string, statuses: readonly JobStatus[] = JOB_STATUSES): Promise<Record<JobStatus, number>> {
    const want = (s: JobStatus) => (statuses.includes(s) ? 1 : 0);
    // Every entry of each status's index: read on the reader thread (scan).
    const rows = await this.scan<{ status: JobStatus; n: number }>('countJobs', name === undefined ? 'count.sql' : 'count-name.sql', {
      ...(name === undefined ? {} : { name }),
      pending: want('pending'),
      running: want('running'),
      completed: want('completed'),
      failed: want('failed'),
      cancelled: want('cancelled'),
      blocked: want('blocked'),
    });
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of rows) if (statuses.includes(row.status)) counts[row.status] = row.n;
    return counts;
  }

  /** group-counts.sql: bounded as rules/group-counts.ts says. */
  async groupCounts(name: string, now: number): Promise<GroupCount[]> {
    const rows = this.run('groupCounts', () =>
      this.stmt('group-counts.sql').all({ name, now, scan: GROUP_SCAN, cap: GROUP_COUNT_CAP }) as { grp: string; due: number; running: number }[],
    );
    return groupCountRows(rows.map((r) => ({ group: r.grp, due: r.due, running: r.running })));
  }

  /** rate-window.sql. */
  async rateWindow(name: string, key: string, perMs: number, now: number): Promise<RateWindow> {
    const row = this.run('rateWindow', () => this.stmt('rate-window.sql').get({ name, key, since: now - perMs, now }) as { used: number; oldest: number | null });
    return { used: Number(row.used), oldest: row.oldest === null ? null : Number(row.oldest) };
  }

  async history(jobId: string, limit?: number): Promise<HistoryRow[]> {
    const key = parseId(jobId);
    if (key === null) return [];
    // The newest `limit` from the end of hourglass_history_job (job_id, id), then back in order; -1: no limit.
    return this.run('history', () => (this.stmt('history.sql').all({ job: key, limit: limit ?? -1 }) as HistoryRowData[]).map(toHistory));
  }

  async cancel(id: string, now: number): Promise<CancelResult | null> {
    const key = parseId(id);
    if (key === null) return null;
    return this.run('cancel', (db) =>
      db
        .transaction((): CancelResult | null => {
          const before = this.row(key);
          if (!before) return null;
          const after = this.stmt('cancel.sql').get({ id: key, now }) as JobRow | undefined;
          if (after) afterEnd(this.stmt, toRecord(after), 'cancelled', now);
          return { job: toRecord(after ?? before), previous: before.status };
        })
        .immediate(),
    );
  }

  /**
   * A finished job comes back only if no other job takes its dedupe key (live, or within its dedupeFor period:
   * else DedupeConflictError, nothing changed). Within its own period it is the holder, and runs again.
   */
  async trigger(id: string, now: number): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const row = this.run('trigger', (db) =>
      db
        .transaction((): JobRow | undefined => {
          const before = this.row(key);
          if (!before) return undefined;
          if (before.dedupe_key !== null && before.status !== 'pending' && before.status !== 'running') {
            const holder = this.stmt('find-dedupe.sql').get({ dedupe_key: before.dedupe_key, now }) as JobRow | undefined;
            if (holder && holder.id !== before.id) throw new DedupeConflictError(String(before.id), before.dedupe_key, String(holder.id));
          }
          const triggered = this.stmt('trigger.sql').get({ id: key, now }) as JobRow | undefined;
          if (triggered && triggerStartsCycle({ status: before.status })) steps.clearCycle(this.stmt, key); // a new cycle (rules/steps.ts)
          if (triggered && FINISHED.has(before.status)) afterTrigger(this.stmt, toRecord(triggered), now);
          return triggered ?? before;
        })
        .immediate(),
    );
    return row ? toRecord(row) : null;
  }

  async update(id: string, patch: JobPatch, now: number): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const sets: string[] = ['updated_at = @now'];
    const params: Record<string, unknown> = { id: key, now };
    const column = (name: string, value: unknown) => {
      sets.push(`${name} = @${name}`);
      params[name] = value;
    };
    if (patch.data !== undefined) column('data', JSON.stringify(patch.data));
    if (patch.priority !== undefined) column('priority', patch.priority);
    if (patch.maxAttempts !== undefined) column('max_attempts', patch.maxAttempts);
    if (patch.repeat !== undefined) column('repeat', jsonText(patch.repeat));
    if (patch.nextRunAt !== undefined) column('next_run_at', patch.nextRunAt);
    if (patch.dueAt !== undefined) column('due_at', patch.dueAt);
    const text = `UPDATE hourglass_jobs SET ${sets.join(', ')} WHERE id = @id AND status <> 'running' RETURNING *`;
    const row = this.run('update', (db) =>
      db.transaction((): JobRow | undefined => (db.prepare(text).get(params) as JobRow | undefined) ?? this.row(key)).immediate(),
    );
    return row ? toRecord(row) : null;
  }

  async remove(id: string, now: number = Date.now()): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    return this.run('remove', (db) =>
      db
        .transaction((): boolean => {
          const before = this.row(key);
          if (before) afterEnd(this.stmt, toRecord(before), 'removed', now);
          this.stmt('DELETE FROM hourglass_history WHERE job_id = ?').run(key);
          return this.stmt('DELETE FROM hourglass_jobs WHERE id = ?').run(key).changes === 1;
        })
        .immediate(),
    );
  }

  async prune(request: PruneRequest): Promise<PruneResult> {
    const limit = Math.max(0, Math.floor(request.limit));
    const now = request.now ?? Date.now();
    return this.run('prune', (db) =>
      db
        .transaction((): PruneResult => {
          // Every status's jobs are chosen before any is deleted, as the model chooses them on the state before
          // the prune: a dependent counted down by a pruned dependency (flow.ts afterPrune) takes a new updatedAt.
          const doomed: { id: number; flow: number }[] = [];
          for (const status of FINISHED_STATUSES) {
            const before = request.finishedBefore[status];
            if (before === undefined || doomed.length >= limit) continue;
            doomed.push(...(this.stmt('prune-jobs.sql').all({ status, before, limit: limit - doomed.length }) as { id: number; flow: number }[]));
          }
          let jobs = 0;
          for (const { id, flow } of doomed) {
            if (flow === 1) afterPrune(this.stmt, String(id), now);
            this.stmt('DELETE FROM hourglass_history WHERE job_id = ?').run(id);
            jobs += this.stmt('DELETE FROM hourglass_jobs WHERE id = ?').run(id).changes;
          }
          const history =
            request.historyBefore === null || limit === 0 ? 0 : this.stmt('prune-history.sql').run({ before: request.historyBefore, limit }).changes;
          return { jobs, history };
        })
        .immediate(),
    );
  }

  async putProcess(record: ProcessRecord, forgetBefore: number): Promise<void> {
    this.run('putProcess', (db) => db.transaction(() => putProcessRow(this.stmt, record, forgetBefore)).immediate());
  }

  async listProcesses(): Promise<ProcessRecord[]> {
    return this.run('listProcesses', () => listProcessRows(this.stmt));
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    this.run('setPaused', () => {
      if (paused) this.stmt('INSERT OR IGNORE INTO hourglass_paused (name, paused_at) VALUES (?, ?)').run(name, Date.now());
      else this.stmt('DELETE FROM hourglass_paused WHERE name = ?').run(name);
    });
  }

  async pausedNames(): Promise<string[]> {
    return this.run('pausedNames', () => (this.stmt('SELECT name FROM hourglass_paused ORDER BY name').all() as { name: string }[]).map((r) => r.name));
  }

  async acquireLock(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const row = this.run('acquireLock', () => this.stmt('acquire-lock.sql').get({ name, owner, expires_at: now + ttlMs, now }) as { owner: string } | undefined);
    return row?.owner === owner;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return this.run('releaseLock', () => this.stmt('DELETE FROM hourglass_locks WHERE name = ? AND owner = ?').run(name, owner).changes === 1);
  }

  // ---- durable runs (steps.ts) -------------------------------------------------------------------------------

  async loadSteps(id: string): Promise<StepRecord[]> {
    const key = parseId(id);
    if (key === null) return [];
    return this.run('loadSteps', () => steps.loadSteps(this.stmt, key));
  }

  async saveStep(id: string, lockToken: string, step: StepRecord, _now: number): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    return this.run('saveStep', () => steps.saveStep(this.stmt, key, lockToken, step));
  }

  async clearSteps(id: string, lockToken: string): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    return this.run('clearSteps', (db) => db.transaction(() => steps.clearSteps(this.stmt, key, lockToken)).immediate());
  }

  async suspend(s: Suspension): Promise<boolean> {
    return this.run('suspend', (db) => db.transaction(() => steps.suspend(this.stmt, s)).immediate());
  }

  async findEvent(name: string, match: Record<string, Json>, since: number): Promise<SentEvent | null> {
    return this.run('findEvent', () => steps.findEvent(this.stmt, name, match, since));
  }

  async pruneEvents(before: number): Promise<number> {
    return this.run('pruneEvents', () => steps.pruneEvents(this.stmt, before));
  }

  async sendEvent(name: string, payload: Json, now: number): Promise<number> {
    return this.run('sendEvent', (db) => db.transaction(() => steps.sendEvent(this.stmt, name, payload, now)).immediate());
  }
}
