/** Mapping between SQLite rows (snake_case, JSON as TEXT) and the store's JobRecord. */
import type { HistoryRow as HistoryRecord, JobRecord } from '../../core/store.js';
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
  if (typeof id !== 'string' || !/^\d{1,15}$/.test(id)) return null;
  return Number(id);
}

type ClaimOrder = Pick<JobRow, 'id' | 'priority' | 'next_run_at'>;

/** Claim results come back in storage order: restore claim order (priority, due time, id). */
export function byClaimOrder(a: ClaimOrder, b: ClaimOrder): number {
  return b.priority - a.priority || a.next_run_at - b.next_run_at || a.id - b.id;
}
