/**
 * Insert: one statement (sql/insert.sql) for the whole batch in the common case. Some situations need more:
 *   * a batch where a repeating job's upsert meets a later job on its repeat or dedupe key (see splitRuns): it
 *     is cut into runs, applied in order inside one transaction (each statement sees the runs before it);
 *   * a dedupe hit on a job another transaction committed after our statement began: invisible to that
 *     statement, so those rows are asked again (a new statement sees it, or inserts if it has finished since);
 *   * the same race met by a repeating job's upsert, which fails on jobs_dedupe: the whole call is applied
 *     again (the failed statement changed nothing), and the new statement returns that holder;
 *   * a call with dedupe keys takes turns on them first (dedupe-lock.sql, in one transaction with the insert):
 *     a holder that finished within its dedupeFor period is in no index a write checks, so only a statement
 *     that began after that holder's insert committed can see it.
 */
import { StoreError } from '../../core/errors.js';
import { dedupeUntilOf } from '../../core/rules/dedupe.js';
import { newRecord } from '../../core/rules/insert.js';
import { orderedBackoff } from '../../core/normalise.js';
import { orderedRepeat } from '../../core/time/repeat.js';
import type { InsertResult, JobRecord, NewJob } from '../../core/store.js';
import { isDedupeRace } from './errors.js';
import { jsonParam, toRecord, type JobRow } from './rows.js';
import type { PostgresStore, Queryable } from './store.js';

const MAX_ROUNDS = 5;

export async function insertJobs(store: PostgresStore, jobs: NewJob[], now: number): Promise<InsertResult[]> {
  if (jobs.length === 0) return [];
  const runs = splitRuns(jobs);
  const turns = keyTurns(jobs);
  for (let round = 1; ; round++) {
    try {
      if (turns === null && runs.length === 1) return await insertRun(store, jobs, now);
      return await store.transaction(async (client) => {
        if (turns !== null) await store.run('dedupe-lock', [store.schema, turns.exclusive, turns.shared], client);
        const results: InsertResult[] = [];
        for (const run of runs) results.push(...(await insertRun(store, run, now, client)));
        return results;
      });
    } catch (error) {
      if (round >= MAX_ROUNDS || !isDedupeRace(error)) throw error;
    }
  }
}

async function insertRun(store: PostgresStore, jobs: NewJob[], now: number, via?: Queryable): Promise<InsertResult[]> {
  if (jobs.length === 1 && jobs[0]!.replace === true) return [await insertReplace(store, jobs[0]!, now, via!)];
  const results: (InsertResult | undefined)[] = new Array(jobs.length);
  let todo = jobs.map((_, i) => i);
  // Without keys no job can meet another (dedupe, repeat): insert-plain.sql writes them without insert.sql's lookups.
  if (jobs.every((job) => job.dedupeKey == null && job.repeatKey == null)) return insertPlain(store, jobs, now, via);
  for (let round = 0; round < MAX_ROUNDS && todo.length > 0; round++) {
    const payload = JSON.stringify(todo.map((i) => toInput(jobs[i]!, now)));
    const rows = await store.run<JobRow & { ord: string | null; created: boolean; same_as?: string | null }>('insert', [payload, now, store.notifyChannel], via);
    // A row with `same_as` answers a job whose key a job of this batch took: that job's own row is in the answer.
    const byId = new Map<string, InsertResult['job']>();
    for (const row of rows) {
      if (row.ord === null || row.same_as != null) continue;
      const index = todo[Number(row.ord) - 1]!;
      const job = toRecord(row);
      results[index] = { job, created: row.created };
      if (row.created) byId.set(job.id, job);
    }
    for (const row of rows) {
      if (row.ord === null || row.same_as == null) continue;
      const job = byId.get(String(row.same_as));
      if (job) results[todo[Number(row.ord) - 1]!] = { job, created: false };
    }
    todo = todo.filter((i) => results[i] === undefined);
  }
  if (todo.length > 0) throw new StoreError(`postgres insert failed: ${todo.length} job(s) kept racing a concurrent insert of the same dedupe key`);
  return results as InsertResult[];
}

/** A run without keys (insert-plain.sql): every job a new row, its record built from what was written. */
async function insertPlain(store: PostgresStore, jobs: NewJob[], now: number, via?: Queryable): Promise<InsertResult[]> {
  const inputs = jobs.map((job) => toInput(job, now));
  type Row = { ord: string; id: string; backoff: JobRecord['backoff']; repeat: JobRecord['repeat'] };
  const rows = await store.run<Row>('insert-plain', [JSON.stringify(inputs), now, store.notifyChannel], via);
  // One row per input, each with its own `ord` (an inner join of the input and the rows written).
  if (rows.length !== jobs.length) throw new StoreError(`postgres insert wrote ${rows.length} of ${jobs.length} jobs`);
  const results = new Array<InsertResult>(jobs.length);
  for (const row of rows) {
    const i = Number(row.ord) - 1;
    results[i] = { job: plainRecord(row, jobs[i]!, inputs[i]!, now), created: true };
  }
  return results;
}

/**
 * The record of a row insert-plain.sql wrote, as toRecord would read it back: core's new record (rules/insert.ts),
 * with data parsed from the text written (the json column returns that text; a copy, not the caller's object)
 * and the jsonb columns as the statement returned them, their keys put back in the core's order (rows.ts).
 */
function plainRecord(row: { id: string; backoff: JobRecord['backoff']; repeat: JobRecord['repeat'] }, job: NewJob, input: Record<string, unknown>, now: number): JobRecord {
  const record = newRecord(String(row.id), job, now);
  record.data = input.data === undefined ? null : (JSON.parse(input.data as string) as JobRecord['data']);
  record.backoff = row.backoff ? orderedBackoff(row.backoff) : null;
  record.repeat = row.repeat ? orderedRepeat(row.repeat) : null;
  return record;
}

/**
 * One job with `replace` (sql/insert-replace.sql), in the transaction holding its key's turn (keyTurns): only
 * a claim, settle or cancel can still change the holder under the statement. No row back means one did: asked
 * again, the next statement sees what changed.
 */
async function insertReplace(store: PostgresStore, job: NewJob, now: number, via: Queryable): Promise<InsertResult> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [row] = await store.run<JobRow & { created: boolean }>('insert-replace', [JSON.stringify(toInput(job, now)), now, store.notifyChannel], via);
    if (row && row.id !== null) return { job: toRecord(row), created: row.created };
  }
  throw new StoreError(`postgres insert failed: a job with replace kept racing other changes to the holder of its dedupe key`);
}

/**
 * The dedupe keys a call takes turns on (dedupe-lock.sql), or null when it has none: exclusively the keys of
 * jobs whose holder outlives its run (dedupeFor) or that replace their holder, shared the rest.
 */
function keyTurns(jobs: NewJob[]): { exclusive: string[]; shared: string[] } | null {
  const exclusive = new Set<string>();
  const shared = new Set<string>();
  for (const job of jobs) {
    if (job.dedupeKey == null) continue;
    if (job.replace === true || dedupeUntilOf(job, 0) !== null) exclusive.add(job.dedupeKey);
    else shared.add(job.dedupeKey);
  }
  return exclusive.size + shared.size === 0 ? null : { exclusive: [...exclusive], shared: [...shared] };
}

/** insert.sql's input for one job, without its nulls (a missing key reads as NULL: see settleParams in params.ts). */
function toInput(job: NewJob, now: number): Record<string, unknown> {
  const input: Record<string, unknown> = { name: job.name, priority: job.priority, due_at: job.dueAt, next_run_at: job.nextRunAt };
  const data = jsonParam(job.data);
  if (data !== null) input.data = data;
  if (job.maxAttempts != null) input.max_attempts = job.maxAttempts;
  if (job.backoff != null) input.backoff = job.backoff;
  if (job.timeoutMs != null) input.timeout_ms = job.timeoutMs;
  if (job.repeat != null) input.repeat = job.repeat;
  if (job.repeatKey != null) input.repeat_key = job.repeatKey;
  if (job.dedupeKey != null) input.dedupe_key = job.dedupeKey;
  const dedupeUntil = dedupeUntilOf(job, now);
  if (dedupeUntil != null) input.dedupe_until = dedupeUntil;
  if (job.label != null) input.label = job.label;
  if (job.trace != null) input.trace = job.trace;
  if (job.group != null) input.grp = job.group;
  return input;
}

/**
 * Cut the batch where one statement could not apply it as the jobs in order would (and around each job with
 * `replace`, applied by its own statement) (each job sees the ones
 * before it, src/core/rules/insert.ts): before a job whose repeat key already appeared in the current run (an
 * upsert may not touch a row twice); before a job with a dedupe key once the run holds a repeating job (its
 * upsert may take, free or revive a dedupe key, which the same statement would not see); and before a
 * repeating job whose dedupe key a plain job of the run may have just taken. Plain jobs sharing a dedupe key
 * stay in one statement (insert.sql returns the first one's job for the others), and so do repeating jobs
 * without dedupe keys (every() at startup).
 */
function splitRuns(jobs: NewJob[]): NewJob[][] {
  const runs: NewJob[][] = [[]];
  let repeats = new Set<string>();
  let dedupes = new Set<string>();
  for (const job of jobs) {
    // A job with replace is a run of its own (sql/insert-replace.sql), and so is whatever follows it.
    if (job.replace === true) {
      if (runs[runs.length - 1]!.length === 0) runs.pop();
      runs.push([job], []);
      repeats = new Set();
      dedupes = new Set();
      continue;
    }
    const cut =
      (job.repeatKey !== null && repeats.has(job.repeatKey)) ||
      (job.dedupeKey !== null && repeats.size > 0) ||
      (job.dedupeKey !== null && job.repeatKey !== null && dedupes.has(job.dedupeKey));
    if (cut) {
      runs.push([]);
      repeats = new Set();
      dedupes = new Set();
    }
    if (job.repeatKey !== null) repeats.add(job.repeatKey);
    if (job.dedupeKey !== null) dedupes.add(job.dedupeKey);
    runs[runs.length - 1]!.push(job);
  }
  if (runs.length > 1 && runs[runs.length - 1]!.length === 0) runs.pop();
  return runs;
}
