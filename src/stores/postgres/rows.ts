/**
 * Mapping between PostgreSQL rows and the store's records. pg returns bigint (int8) columns as strings, which
 * keeps ids exact; times are epoch ms and fit a double, so they become numbers here. We never install global
 * type parsers: the pool may be the user's, and its other queries must see what they always saw.
 */
import type { HistoryEntry, HistoryRow, JobRecord } from '../../core/store.js';
import type { Json, JobStatus } from '../../core/types.js';
import { orderedBackoff } from '../../core/normalise.js';
import { orderedRepeat } from '../../core/time/repeat.js';

export interface JobRow {
  id: string;
  name: string;
  data: Json | null;
  status: JobStatus;
  priority: number;
  attempts: number;
  max_attempts: number | null;
  backoff: JobRecord['backoff'];
  timeout_ms: string | null;
  repeat: JobRecord['repeat'];
  repeat_key: string | null;
  dedupe_key: string | null;
  /** Added by migration 018. */
  dedupe_until: string | null;
  /** Added by migration 018: the key of a newcomer queued behind a running job of it (replace), until it runs. */
  dedupe_waiting?: string | null;
  /** Added by migration 005. */
  label: string | null;
  /** Added by migration 012. */
  trace: string | null;
  /** Added by migration 015. */
  grp: string | null;
  due_at: string;
  next_run_at: string;
  last_run_at: string | null;
  last_finished_at: string | null;
  last_error: string | null;
  /** Added by migration 007. */
  last_error_stack: string | null;
  result: Json | null;
  progress: Json | null;
  lock_token: string | null;
  locked_by: string | null;
  locked_until: string | null;
  /** Added by migration 016. */
  flow: JobRecord['flow'];
  waiting_for: number;
  created_at: string;
  updated_at: string;
}

export interface HistoryDbRow {
  id: string;
  job_id: string;
  status: HistoryEntry['status'];
  attempt: number;
  started_at: string;
  completed_at: string;
  error: string | null;
  /** Added by migration 007. */
  stack: string | null;
  result: Json | null;
  worker_id: string;
}

const num = (value: string | number) => Number(value);
const numOrNull = (value: string | number | null) => (value === null ? null : Number(value));

export function toRecord(row: JobRow): JobRecord {
  return {
    id: String(row.id),
    name: row.name,
    data: row.data ?? null,
    status: row.status,
    priority: row.priority,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    // jsonb keeps keys in its own order (shortest first); given back in the core's, as every store does.
    backoff: row.backoff ? orderedBackoff(row.backoff) : null,
    timeoutMs: numOrNull(row.timeout_ms),
    repeat: row.repeat ? orderedRepeat(row.repeat) : null,
    repeatKey: row.repeat_key,
    dedupeKey: row.dedupe_key ?? row.dedupe_waiting ?? null,
    dedupeUntil: row.dedupe_until === undefined ? null : numOrNull(row.dedupe_until),
    label: row.label ?? null,
    trace: row.trace ?? null,
    group: row.grp ?? null,
    dueAt: num(row.due_at),
    nextRunAt: num(row.next_run_at),
    lastRunAt: numOrNull(row.last_run_at),
    lastFinishedAt: numOrNull(row.last_finished_at),
    lastError: row.last_error,
    lastErrorStack: row.last_error_stack ?? null,
    result: row.result ?? null,
    progress: row.progress ?? null,
    flow: row.flow ?? null,
    waitingFor: row.waiting_for ?? 0,
    lockedBy: row.locked_by,
    lockedUntil: numOrNull(row.locked_until),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function toHistory(row: HistoryDbRow): HistoryRow {
  return {
    id: String(row.id),
    jobId: String(row.job_id),
    status: row.status,
    attempt: row.attempt,
    startedAt: num(row.started_at),
    completedAt: num(row.completed_at),
    error: row.error,
    stack: row.stack ?? null,
    result: row.result ?? null,
    workerId: row.worker_id,
  };
}

const INT8_MAX = 9223372036854775807n;

/**
 * Ids are bigint identities shown as decimal strings. Anything else ('abc', '-1', '1.5', out of range) can
 * match no job: callers answer null/false without asking the server, so a bad id is never a SQL error.
 */
export function parseId(id: unknown): string | null {
  // Only the id's own spelling: '007' is not job 7's id (as on every store; the model compares the strings).
  if (typeof id !== 'string' || !/^[1-9][0-9]{0,18}$/.test(id)) return null;
  const value = BigInt(id);
  return value >= 1n && value <= INT8_MAX ? value.toString() : null;
}

/**
 * A JSON value as its JSON text, for a json parameter (update's data, progress) or embedded as a string in a
 * statement's JSON payload (insert's data, settle's results), which the statement casts to json. pg would
 * turn a JS array into a Postgres array literal and a string into bare text; and a value embedded as JSON
 * rather than as its text would be parsed with the payload: as jsonb its keys would be reordered, and each of
 * its strings would become text, which cannot hold U+0000 or a lone surrogate (one job's value would fail
 * the whole batch).
 * Embedded as text, any JSON value is kept exactly. null stays null (SQL NULL, read back as null).
 */
export function jsonParam(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}
