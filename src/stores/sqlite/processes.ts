/**
 * The process registry (Store.putProcess, listProcesses), inside the caller's transaction: one row per
 * scheduler process, written by its heartbeat, forgotten once last seen before the time the writer gives.
 * `names` and `activity` are JSON text, so what was written comes back exactly.
 */
import type Database from 'better-sqlite3';
import type { ActivityBucket, ProcessRecord } from '../../core/store.js';

type Prepare = (file: string) => Database.Statement;

interface ProcessRow {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  last_seen_at: number;
  stopped_at: number | null;
  concurrency: number;
  running: number;
  names: string | null;
  activity: string;
}

/** Insert or replace the record by id, then forget every record last seen before `forgetBefore` (this one too). */
export function putProcessRow(stmt: Prepare, record: ProcessRecord, forgetBefore: number): void {
  stmt('put-process.sql').run({
    id: record.id,
    host: record.host,
    pid: record.pid,
    started_at: record.startedAt,
    last_seen_at: record.lastSeenAt,
    stopped_at: record.stoppedAt,
    concurrency: record.concurrency,
    running: record.running,
    names: record.names === null ? null : JSON.stringify(record.names),
    activity: JSON.stringify(record.activity),
  });
  stmt('forget-processes.sql').run({ forget_before: forgetBefore });
}

/**
 * Every record, oldest start first, then by id. Sorted here rather than by ORDER BY: SQLite compares text as
 * UTF-8 bytes and JavaScript (the model) as UTF-16 code units, which disagree beyond U+FFFF. The table holds
 * one row per process seen in the last hour, so the sort costs nothing.
 */
export function listProcessRows(stmt: Prepare): ProcessRecord[] {
  return (stmt('list-processes.sql').all() as ProcessRow[]).map(toProcess).sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function toProcess(row: ProcessRow): ProcessRecord {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    startedAt: row.started_at,
    lastSeenAt: row.last_seen_at,
    stoppedAt: row.stopped_at,
    concurrency: row.concurrency,
    running: row.running,
    names: row.names === null ? null : (JSON.parse(row.names) as string[]),
    activity: JSON.parse(row.activity) as ActivityBucket[],
  };
}
