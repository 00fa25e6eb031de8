/**
 * SqliteStore: the embedded default. One better-sqlite3 connection per store, WAL mode, a busy timeout,
 * and one IMMEDIATE write transaction per batch (claim, settle, heartbeat, insert), so several processes can
 * share one file: SQLite's write lock serialises them and every state change is atomic.
 * better-sqlite3 is synchronous; each transaction is short (no awaits inside), so holding it never blocks
 * another process for long.
 */
import Database from 'better-sqlite3';
import { loadAsset } from '../../core/assets.js';
import { StoreError } from '../../core/errors.js';
import type {
  CancelResult,
  ClaimRequest,
  ClaimedJob,
  InsertResult,
  JobPatch,
  JobQuery,
  JobRecord,
  Lease,
  LeaseState,
  MigrationStatus,
  NewJob,
  PruneRequest,
  PruneResult,
  Settlement,
  Store,
  StoreInitOptions,
} from '../../core/store.js';
import type { Json, JobStatus } from '../../core/types.js';
import { FINISHED_STATUSES, JOB_STATUSES } from '../../core/types.js';
import { migrate, migrationStatus } from './migrate.js';
import { byClaimOrder, json, jsonText, parseId, toRecord, type HistoryRow, type JobRow } from './rows.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (one process only). Default './hourglass.db'. */
  path?: string;
  /**
   * 'full' (default): a committed job survives power loss. 'normal': faster commits in WAL mode; an OS crash
   * or power loss may roll back the last transactions (an application crash loses nothing either way).
   */
  synchronous?: 'full' | 'normal';
  /** How long a writer waits for another process's write lock. Default 5000 ms. */
  busyTimeoutMs?: number;
}

const sql = (file: string) => loadAsset(import.meta.url, `sql/${file}`);

type Statement = Database.Statement;

export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  /** In-process and synchronous: one transaction for both beats two, and there is no round trip to overlap. */
  readonly preferSettleAndClaim = true;
  readonly path: string;
  private readonly options: SqliteStoreOptions;
  private db: Database.Database | null = null;
  private statements = new Map<string, Statement>();

  constructor(options: SqliteStoreOptions = {}) {
    this.options = options;
    this.path = options.path ?? './hourglass.db';
  }

  async init(_options: StoreInitOptions): Promise<void> {
    this.open();
    migrate(this.database);
  }

  private open(): Database.Database {
    if (this.db) return this.db;
    let db: Database.Database;
    try {
      db = new Database(this.path);
    } catch (error) {
      throw new StoreError(`cannot open SQLite database at ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`);
    if (this.path !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${this.options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    db.pragma('foreign_keys = ON');
    this.db = db;
    return db;
  }

  private get database(): Database.Database {
    if (!this.db) throw new StoreError('the SQLite store is not open: call init() (the Scheduler does) first');
    return this.db;
  }

  private stmt(file: string): Statement {
    let statement = this.statements.get(file);
    if (!statement) {
      statement = this.database.prepare(file.endsWith('.sql') ? sql(file) : file);
      this.statements.set(file, statement);
    }
    return statement;
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.db?.close();
    this.db = null;
  }

  async migrate(): Promise<MigrationStatus> {
    return migrate(this.open());
  }

  async migrationStatus(): Promise<MigrationStatus> {
    return migrationStatus(this.open());
  }

  async ping(): Promise<void> {
    this.stmt('SELECT 1').get();
  }

  async insert(jobs: NewJob[], now: number): Promise<InsertResult[]> {
    const run = this.database.transaction((): InsertResult[] =>
      jobs.map((job) => {
        const params = {
          name: job.name,
          data: JSON.stringify(job.data ?? null),
          priority: job.priority,
          max_attempts: job.maxAttempts,
          backoff: jsonText(job.backoff),
          timeout_ms: job.timeoutMs,
          repeat: jsonText(job.repeat),
          repeat_key: job.repeatKey,
          dedupe_key: job.dedupeKey,
          label: job.label ?? null,
          due_at: job.dueAt,
          next_run_at: job.nextRunAt,
          now,
        };
        if (job.repeatKey !== null) {
          const updated = this.stmt('upsert-repeat.sql').get(params) as JobRow | undefined;
          if (updated) return { job: toRecord(updated), created: false };
        }
        if (job.dedupeKey !== null) {
          const existing = this.stmt('find-dedupe.sql').get({ dedupe_key: job.dedupeKey }) as JobRow | undefined;
          if (existing) return { job: toRecord(existing), created: false };
        }
        return { job: toRecord(this.stmt('insert.sql').get(params) as JobRow), created: true };
      }),
    );
    return run.immediate();
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    return this.database.transaction(() => this.claimRows(request)).immediate();
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    return this.database.transaction(() => this.settleRows(settlements)).immediate();
  }

  /** Both in one write transaction: the outcomes of the last batch, then the next claim (which sees them). */
  async settleAndClaim(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    return this.database.transaction(() => ({ settled: this.settleRows(settlements), claimed: this.claimRows(request) })).immediate();
  }

  /** The claim's statements; runs inside the caller's transaction. */
  private claimRows(request: ClaimRequest): ClaimedJob[] {
    const { now, limit } = request;
    const run = (): JobRow[] => {
      this.stmt('recover-history.sql').run({ now });
      this.stmt('recover.sql').run({ now });
      if (limit <= 0) return [];

      // Capped names are claimed one by one within their allowance; everything else in one statement.
      const capped = request.limits.filter((l) => l.localFree !== undefined || l.global !== undefined);
      const running = new Map<string, number>();
      const globals = capped.filter((l) => l.global !== undefined).map((l) => l.name);
      if (globals.length > 0) {
        for (const row of this.stmt('running-by-name.sql').all({ names: JSON.stringify(globals) }) as { name: string; running: number }[]) {
          running.set(row.name, row.running);
        }
      }
      const base = { now, token: request.lockToken, worker: request.workerId };
      const claimed: JobRow[] = [];
      let left = limit;
      for (const cap of capped) {
        if (left <= 0) break;
        if (request.names !== null && !request.names.includes(cap.name)) continue;
        const allowance = Math.min(
          left,
          cap.localFree ?? Infinity,
          cap.global !== undefined ? cap.global - (running.get(cap.name) ?? 0) : Infinity,
        );
        if (allowance <= 0) continue;
        const lifetime = request.lockLifetimes?.[cap.name] ?? request.lockLifetimeMs;
        const rows = this.stmt('claim-name.sql').all({ ...base, name: cap.name, limit: allowance, lifetime }) as JobRow[];
        claimed.push(...rows);
        left -= rows.length;
      }
      if (left > 0 && (request.names === null || request.names.length > 0)) {
        const rows = this.stmt('claim.sql').all({
          ...base,
          limit: left,
          any_name: request.names === null ? 1 : 0,
          names: JSON.stringify(request.names ?? []),
          skip: JSON.stringify(capped.map((c) => c.name)),
          lifetime: request.lockLifetimeMs,
          lifetimes: JSON.stringify(request.lockLifetimes ?? {}),
        }) as JobRow[];
        claimed.push(...rows);
      }
      return claimed.sort(byClaimOrder);
    };
    return run().map((row) => ({ ...toRecord(row), lockToken: request.lockToken }));
  }

  /** Each outcome guarded by its lock token, with its history record; runs inside the caller's transaction. */
  private settleRows(settlements: Settlement[]): boolean[] {
    return settlements.map((s) => {
      const row = this.stmt('settle.sql').get({
        id: parseId(s.id),
        token: s.lockToken,
        status: s.status,
        next_run_at: s.nextRunAt ?? null,
        due_at: s.dueAt ?? null,
        attempts: s.attempts ?? null,
        set_result: s.result !== undefined ? 1 : 0,
        result: jsonText(s.result),
        set_error: s.lastError !== undefined ? 1 : 0,
        last_error: s.lastError ?? null,
        finished_at: s.finishedAt,
      }) as { status: JobStatus } | undefined;
      if (!row) return false;
      if (s.history) {
        const h = s.history;
        this.stmt('insert-history.sql').run({
          job_id: parseId(s.id),
          status: row.status === 'cancelled' ? 'cancelled' : h.status,
          attempt: h.attempt,
          started_at: h.startedAt,
          completed_at: h.completedAt,
          error: h.error,
          result: jsonText(h.result),
          worker_id: h.workerId,
        });
      }
      return true;
    });
  }

  async heartbeat(leases: Lease[], now: number): Promise<LeaseState[]> {
    if (leases.length === 0) return [];
    const run = this.database.transaction((): LeaseState[] =>
      leases.map((lease) => {
        const row = this.stmt('heartbeat.sql').get({
          id: parseId(lease.id),
          token: lease.lockToken,
          locked_until: lease.lockedUntil,
          now,
        }) as { status: JobStatus } | undefined;
        if (!row) return 'lost';
        return row.status === 'cancelled' ? 'cancelled' : 'ok';
      }),
    );
    return run.immediate();
  }

  async saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean> {
    const info = this.stmt('progress.sql').run({ id: parseId(id), token: lockToken, progress: JSON.stringify(progress), now });
    return info.changes === 1;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const row = this.stmt('SELECT * FROM hourglass_jobs WHERE id = ?').get(key) as JobRow | undefined;
    return row ? toRecord(row) : null;
  }

  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: query.limit, offset: query.offset };
    if (query.status && query.status.length > 0) {
      where.push('status IN (SELECT value FROM json_each(@statuses))');
      params.statuses = JSON.stringify(query.status);
    }
    if (query.name !== undefined) {
      where.push('name = @name');
      params.name = query.name;
    }
    const text = `SELECT * FROM hourglass_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT @limit OFFSET @offset`;
    return (this.stmt(text).all(params) as JobRow[]).map(toRecord);
  }

  async countJobs(name?: string, statuses: readonly JobStatus[] = JOB_STATUSES): Promise<Record<JobStatus, number>> {
    const want = (s: JobStatus) => (statuses.includes(s) ? 1 : 0);
    const rows = this.stmt('count.sql').all({
      name: name ?? null,
      pending: want('pending'),
      running: want('running'),
      finished: want('completed') || want('failed') || want('cancelled'),
    }) as { status: JobStatus; n: number }[];
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const row of rows) if (statuses.includes(row.status)) counts[row.status] = row.n;
    return counts;
  }

  async history(jobId: string) {
    const key = parseId(jobId);
    if (key === null) return [];
    const rows = this.stmt('SELECT * FROM hourglass_history WHERE job_id = ? ORDER BY id').all(key) as HistoryRow[];
    return rows.map((r) => ({
      id: String(r.id),
      jobId: String(r.job_id),
      status: r.status,
      attempt: r.attempt,
      startedAt: r.started_at,
      completedAt: r.completed_at,
      error: r.error,
      result: json(r.result),
      workerId: r.worker_id,
    }));
  }

  async cancel(id: string, now: number): Promise<CancelResult | null> {
    const key = parseId(id);
    if (key === null) return null;
    const run = this.database.transaction((): CancelResult | null => {
      const before = this.stmt('SELECT * FROM hourglass_jobs WHERE id = ?').get(key) as JobRow | undefined;
      if (!before) return null;
      const after = this.stmt('cancel.sql').get({ id: key, now }) as JobRow | undefined;
      return { job: toRecord(after ?? before), previous: before.status };
    });
    return run.immediate();
  }

  async trigger(id: string, now: number): Promise<JobRecord | null> {
    const key = parseId(id);
    if (key === null) return null;
    const run = this.database.transaction((): JobRow | undefined =>
      (this.stmt('trigger.sql').get({ id: key, now }) as JobRow | undefined) ??
      (this.stmt('SELECT * FROM hourglass_jobs WHERE id = ?').get(key) as JobRow | undefined),
    );
    const row = run.immediate();
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
    const run = this.database.transaction((): JobRow | undefined =>
      (this.database.prepare(`UPDATE hourglass_jobs SET ${sets.join(', ')} WHERE id = @id AND status <> 'running' RETURNING *`).get(params) as
        | JobRow
        | undefined) ?? (this.stmt('SELECT * FROM hourglass_jobs WHERE id = ?').get(key) as JobRow | undefined),
    );
    const row = run.immediate();
    return row ? toRecord(row) : null;
  }

  async remove(id: string): Promise<boolean> {
    const key = parseId(id);
    if (key === null) return false;
    const run = this.database.transaction((): boolean => {
      this.stmt('DELETE FROM hourglass_history WHERE job_id = ?').run(key);
      return this.stmt('DELETE FROM hourglass_jobs WHERE id = ?').run(key).changes === 1;
    });
    return run.immediate();
  }

  async prune(request: PruneRequest): Promise<PruneResult> {
    const limit = Math.max(0, Math.floor(request.limit));
    const run = this.database.transaction((): PruneResult => {
      let jobs = 0;
      for (const status of FINISHED_STATUSES) {
        const before = request.finishedBefore[status];
        if (before === undefined || jobs >= limit) continue;
        const ids = (this.stmt('prune-jobs.sql').all({ status, before, limit: limit - jobs }) as { id: number }[]).map((r) => r.id);
        for (const id of ids) {
          this.stmt('DELETE FROM hourglass_history WHERE job_id = ?').run(id);
          jobs += this.stmt('DELETE FROM hourglass_jobs WHERE id = ?').run(id).changes;
        }
      }
      const history = request.historyBefore === null || limit === 0 ? 0 : this.stmt('prune-history.sql').run({ before: request.historyBefore, limit }).changes;
      return { jobs, history };
    });
    return run.immediate();
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    if (paused) this.stmt('INSERT OR IGNORE INTO hourglass_paused (name, paused_at) VALUES (?, ?)').run(name, Date.now());
    else this.stmt('DELETE FROM hourglass_paused WHERE name = ?').run(name);
  }

  async pausedNames(): Promise<string[]> {
    return (this.stmt('SELECT name FROM hourglass_paused ORDER BY name').all() as { name: string }[]).map((r) => r.name);
  }

  async acquireLock(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const row = this.stmt('acquire-lock.sql').get({ name, owner, expires_at: now + ttlMs, now }) as { owner: string } | undefined;
    return row?.owner === owner;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return this.stmt('DELETE FROM hourglass_locks WHERE name = ? AND owner = ?').run(name, owner).changes === 1;
  }
}
