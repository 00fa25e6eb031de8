/**
 * Insert, inside the caller's write transaction, job by job in order (a later job sees an earlier one). A run of
 * jobs without keys goes in as one statement (insert-plain.sql): no rule applies to them, and a statement per job
 * (binding 18 named parameters, a row object of every column back) cost ~12 µs of ~17 a job of scheduleBulk.
 *
 * A dedupe key taken by another job (live, or within its dedupeFor period: rules/dedupe.ts) wins over everything: that holder comes back unchanged (created
 * false), even when the new job's repeat key names an existing repeating job, which is then left alone too
 * (updating it would give the key a second live holder). Otherwise a repeat key upserts its job
 * (upsert-repeat.sql; a finished one revived starts a new cycle without its durable entries), and anything
 * else is a new row. With `replace` (rules/dedupe.ts), a pending holder takes
 * the new data, due time and priority (replace.sql), and a running one gets the new row queued behind it.
 */
import type Database from 'better-sqlite3';
import { dedupeUntilOf } from '../../core/rules/dedupe.js';
import { decideInsert, newRecord, upsertStartsCycle } from '../../core/rules/insert.js';
import type { InsertResult, JobRecord, NewJob } from '../../core/store.js';
import { json, jsonText, toRecord, type JobRow } from './rows.js';
import { clearCycle } from './steps.js';

type Prepare = (file: string) => Database.Statement;

/**
 * Keyless jobs per insert-plain.sql statement, at most: its batch is one JSON text, and an array of a million
 * jobs (scheduleBulk's atomic form takes any length) would make one too long for a JavaScript string.
 */
const PLAIN_MAX = 5_000;

export function insertRows(stmt: Prepare, jobs: NewJob[], now: number): InsertResult[] {
  const results = new Array<InsertResult>(jobs.length);
  let from = 0; // the first job of the current run of keyless jobs
  // One step past the end, so the last run is written like one that a keyed job ends.
  for (let i = 0; i <= jobs.length; i++) {
    const job = jobs[i];
    if (job !== undefined && job.dedupeKey === null && job.repeatKey === null) {
      if (i + 1 - from === PLAIN_MAX) {
        insertPlain(stmt, jobs, from, i + 1, now, results);
        from = i + 1;
      }
      continue;
    }
    if (i > from) insertPlain(stmt, jobs, from, i, now, results);
    if (job !== undefined) results[i] = insertOne(stmt, job, now);
    from = i + 1;
  }
  return results;
}

/** insert-plain.sql's @batch entry for one job (the order its SELECT reads). */
function plainArgs(job: NewJob): unknown[] {
  return [
    job.name, JSON.stringify(job.data ?? null), job.priority, job.maxAttempts, jsonText(job.backoff), job.timeoutMs,
    jsonText(job.repeat), job.label ?? null, job.trace ?? null, job.group ?? null, job.dueAt, job.nextRunAt,
  ];
}

/** Jobs from..to (keyless) as new rows, their records into results. */
function insertPlain(stmt: Prepare, jobs: NewJob[], from: number, to: number, now: number, results: InsertResult[]): void {
  const args = new Array<unknown[]>(to - from);
  for (let i = from; i < to; i++) args[i - from] = plainArgs(jobs[i]!);
  const ids = stmt('insert-plain.sql').pluck().all({ batch: JSON.stringify(args), now }) as number[];
  if (ids.length !== args.length) throw new Error(`insert-plain.sql wrote ${ids.length} rows for ${args.length} jobs`);
  // Ids grow with the batch's order; RETURNING's own order is not promised.
  ids.sort((a, b) => a - b);
  for (let i = 0; i < ids.length; i++) results[from + i] = { job: plainRecord(ids[i]!, jobs[from + i]!, args[i]!, now), created: true };
}

/**
 * The record of a row insert-plain.sql wrote, as toRecord would read it back: core's new record (rules/insert.ts),
 * with the values stored as JSON texts parsed from those texts, as a read would (a copy, not the caller's objects).
 */
function plainRecord(id: number, job: NewJob, a: unknown[], now: number): JobRecord {
  const record = newRecord(String(id), job, now);
  record.data = json(a[1] as string);
  record.backoff = json(a[4] as string | null) as JobRecord['backoff'];
  record.repeat = json(a[6] as string | null) as JobRecord['repeat'];
  return record;
}

/**
 * A new job's columns as named parameters: insert.sql's and upsert-repeat.sql's, and (with its own status, flow
 * and waiting_for beside them) insert-node.sql's (flow.ts). A statement ignores the names it does not use.
 */
export function jobParams(job: NewJob, now: number) {
  return {
    name: job.name,
    data: JSON.stringify(job.data ?? null),
    priority: job.priority,
    max_attempts: job.maxAttempts,
    backoff: jsonText(job.backoff),
    timeout_ms: job.timeoutMs,
    repeat: jsonText(job.repeat),
    repeat_key: job.repeatKey,
    dedupe_key: job.dedupeKey,
    dedupe_until: dedupeUntilOf(job, now),
    label: job.label ?? null,
    trace: job.trace ?? null,
    job_group: job.group ?? null,
    due_at: job.dueAt,
    next_run_at: job.nextRunAt,
    now,
  };
}

/** One job with a dedupe or repeat key, by the rules (see the file's comment). */
function insertOne(stmt: Prepare, job: NewJob, now: number): InsertResult {
  if (job.dedupeKey !== null) {
    const holder = stmt('find-dedupe.sql').get({ dedupe_key: job.dedupeKey, now }) as JobRow | undefined;
    // The repeating job holding its own key is no conflict: it is updated below.
    if (holder && (job.repeatKey === null || holder.repeat_key !== job.repeatKey)) {
      const decision = decideInsert(job, null, toRecord(holder));
      if (decision.kind === 'replace') {
        const replaced = stmt('replace.sql').get({
          id: holder.id,
          data: JSON.stringify(job.data ?? null),
          priority: job.priority,
          next_run_at: job.nextRunAt,
          due_at: job.dueAt,
          now,
        }) as JobRow;
        return { job: toRecord(replaced), created: false };
      }
      // 'insert': queued behind the running holder (a new row below); else the holder comes back unchanged.
      if (decision.kind !== 'insert') return { job: toRecord(holder), created: false };
    }
  }
  const params = jobParams(job, now);
  if (job.repeatKey !== null) {
    // A finished job revived by the upsert starts a new cycle: its entries go first, in this transaction, as
    // trigger() deletes them (rules/insert.ts upsertStartsCycle); a pending or running one keeps them.
    const holder = stmt('find-repeat.sql').get({ repeat_key: job.repeatKey }) as Pick<JobRow, 'id' | 'status'> | undefined;
    if (holder && upsertStartsCycle(holder)) clearCycle(stmt, holder.id);
    const updated = stmt('upsert-repeat.sql').get(params) as JobRow | undefined;
    if (updated) return { job: toRecord(updated), created: false };
  }
  return { job: toRecord(stmt('insert.sql').get(params) as JobRow), created: true };
}
