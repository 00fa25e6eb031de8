/** Mapping between SQLite rows (snake_case, JSON as TEXT) and the store's JobRecord. */
import type { ClaimedJob, HistoryRow as HistoryRecord, JobRecord } from '../../core/store.js';
import type { Json, JobStatus } from '../../core/types.js';

export interface JobRow {
  id: number;
  name: string;
  data: string;
  status: JobStatus;
  priority: number;
  attempts: number;
  max_attempts: number | null;
  backoff: string | null;
  timeout_ms: number | null;
  repeat: string | null;
  repeat_key: string | null;
  dedupe_key: string | null;
  /** Added by migration 013. */
  dedupe_until: number | null;
  /** Added by migration 003. */
  label: string | null;
  /** Added by migration 008. */
  trace: string | null;
  /** Added by migration 010. */
  job_group: string | null;
  due_at: number;
  next_run_at: number;
  last_run_at: number | null;
  last_finished_at: number | null;
  last_error: string | null;
  /** Added by migration 004. */
  last_error_stack: string | null;
  result: string | null;
  progress: string | null;
  lock_token: string | null;
  locked_by: string | null;
  locked_until: number | null;
  /** Added by migration 011. */
  flow: string | null;
  waiting_for: number;
  created_at: number;
  updated_at: number;
}

export interface HistoryRow {
  id: number;
  job_id: number;
  status: 'completed' | 'failed' | 'cancelled';
  attempt: number;
  started_at: number;
  completed_at: number;
  duration: number;
  error: string | null;
  /** Added by migration 004. */
  stack: string | null;
  result: string | null;
  worker_id: string;
}

export function json(text: string | null): Json | null {
  return text === null ? null : (JSON.parse(text) as Json);
}

export function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export function toRecord(row: JobRow): JobRecord {
  return {
    id: String(row.id),
    name: row.name,
    data: json(row.data),
    status: row.status,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    backoff: json(row.backoff) as JobRecord['backoff'],
    timeoutMs: row.timeout_ms,
    repeat: json(row.repeat) as JobRecord['repeat'],
    repeatKey: row.repeat_key,
    dedupeKey: row.dedupe_key,
    dedupeUntil: row.dedupe_until ?? null,
    label: row.label ?? null,
    trace: row.trace ?? null,
    group: row.job_group ?? null,
    dueAt: row.due_at,
    nextRunAt: row.next_run_at,
    lastRunAt: row.last_run_at,
    lastFinishedAt: row.last_finished_at,
    lastError: row.last_error,
    lastErrorStack: row.last_error_stack,
    result: json(row.result),
    progress: json(row.progress),
    flow: json(row.flow ?? null) as JobRecord['flow'],
    waitingFor: row.waiting_for ?? 0,
    lockedBy: row.locked_by,
    lockedUntil: row.locked_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * The columns claim-ids.sql returns, in its RETURNING order: a claimed row is read as an array (raw mode), since
 * better-sqlite3 builds a row object one property at a time (on Node 20: a name lookup and a property store per
 * column, and a backing store grown several times), which made a claim allocate ~3.5 KB per job. `rare` holds
 * the columns most jobs leave empty: NULL when all are, else their values as a JSON array (R).
 */
const C = {
  id: 0, name: 1, data: 2, priority: 3, attempts: 4, max_attempts: 5, due_at: 6, next_run_at: 7, locked_until: 8,
  created_at: 9, rare: 10,
} as const;

/** The places of the rarely set columns in claim-ids.sql's `rare` array (its json_array's order). */
const R = {
  backoff: 0, timeout_ms: 1, repeat: 2, repeat_key: 3, dedupe_key: 4, dedupe_until: 5, label: 6, trace: 7,
  job_group: 8, last_finished_at: 9, last_error: 10, last_error_stack: 11, result: 12, progress: 13, flow: 14,
  waiting_for: 15,
} as const;

/** `rare` of a row that has none of them set: every column NULL, waiting_for 0. */
const NONE_RARE: readonly unknown[] = Object.freeze([...new Array<null>(15).fill(null), 0]);

/** A row of claim-ids.sql in raw mode (see C). */
export type ClaimedRow = unknown[];

/** What the claim set on every row it took (claim-ids.sql), so the statement need not return it. */
export interface ClaimStamp {
  lockToken: string;
  workerId: string;
  now: number;
}

/**
 * A claimed row as the worker's ClaimedJob, in one literal (not `{ ...toRecord(row), lockToken }`, which made
 * the record twice: a spread of 30 fields is a slow, generic copy). Keep its fields those of toRecord.
 */
export function toClaimed(row: ClaimedRow, stamp: ClaimStamp): ClaimedJob {
  const packed = row[C.rare] as string | null;
  const r = packed === null ? NONE_RARE : (JSON.parse(packed) as unknown[]);
  return {
    id: String(row[C.id]),
    name: row[C.name] as string,
    data: json(row[C.data] as string),
    status: 'running',
    priority: row[C.priority] as number,
    attempts: row[C.attempts] as number,
    maxAttempts: row[C.max_attempts] as number | null,
    backoff: json(r[R.backoff] as string | null) as JobRecord['backoff'],
    timeoutMs: r[R.timeout_ms] as number | null,
    repeat: json(r[R.repeat] as string | null) as JobRecord['repeat'],
    repeatKey: r[R.repeat_key] as string | null,
    dedupeKey: r[R.dedupe_key] as string | null,
    dedupeUntil: r[R.dedupe_until] as number | null,
    label: r[R.label] as string | null,
    trace: r[R.trace] as string | null,
    group: r[R.job_group] as string | null,
    dueAt: row[C.due_at] as number,
    nextRunAt: row[C.next_run_at] as number,
    lastRunAt: stamp.now,
    lastFinishedAt: r[R.last_finished_at] as number | null,
    lastError: r[R.last_error] as string | null,
    lastErrorStack: r[R.last_error_stack] as string | null,
    result: json(r[R.result] as string | null),
    progress: json(r[R.progress] as string | null),
    flow: json(r[R.flow] as string | null) as JobRecord['flow'],
    waitingFor: (r[R.waiting_for] as number | null) ?? 0,
    lockedBy: stamp.workerId,
    lockedUntil: row[C.locked_until] as number,
    createdAt: row[C.created_at] as number,
    updatedAt: stamp.now,
    lockToken: stamp.lockToken,
  };
}

/** Claimed rows come back in storage order: restore claim order (priority, due time, id), as byClaimOrder. */
export function byClaimedOrder(a: ClaimedRow, b: ClaimedRow): number {
  return (b[C.priority] as number) - (a[C.priority] as number) || (a[C.next_run_at] as number) - (b[C.next_run_at] as number) || (a[C.id] as number) - (b[C.id] as number);
}

export function toHistory(row: HistoryRow): HistoryRecord {
  return {
    id: String(row.id),
    jobId: String(row.job_id),
    status: row.status,
    attempt: row.attempt,
    startedAt: row.started_at,
    completedAt: row.completed_at,
    error: row.error,
    stack: row.stack,
    result: json(row.result),
    workerId: row.worker_id,
  };
}

/** Ids are INTEGER rowids; anything else (malformed, out of range) matches no job. */
export function parseId(id: string): number | null {
  // Only the id's own spelling: '007' is not job 7's id (as on every store; the model compares the strings).
  if (typeof id !== 'string' || !/^[1-9]\d{0,14}$/.test(id)) return null;
  return Number(id);
}

type ClaimOrder = Pick<JobRow, 'id' | 'priority' | 'next_run_at'>;

/** Claim results come back in storage order: restore claim order (priority, due time, id). */
export function byClaimOrder(a: ClaimOrder, b: ClaimOrder): number {
  return b.priority - a.priority || a.next_run_at - b.next_run_at || a.id - b.id;
}
