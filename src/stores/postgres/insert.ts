/**
 * Insert: one statement (sql/insert.sql) for the whole batch in the common case. Two situations need more:
 *   * a batch naming the same repeat key twice: one upsert statement may not touch a row twice, so the batch
 *     is cut into runs without repeats, applied in order inside one transaction;
 *   * a dedupe hit on a job another transaction committed after our statement began: invisible to that
 *     statement, so those rows are asked again (a new statement sees it, or inserts if it has finished since).
 */
import { StoreError } from '../../core/errors.js';
import type { InsertResult, NewJob } from '../../core/store.js';
import { toRecord, type JobRow } from './rows.js';
import type { PostgresStore, Queryable } from './store.js';

const MAX_ROUNDS = 5;

export async function insertJobs(store: PostgresStore, jobs: NewJob[], now: number): Promise<InsertResult[]> {
  if (jobs.length === 0) return [];
  const runs = splitOnRepeatedKeys(jobs);
  if (runs.length === 1) return insertRun(store, jobs, now);
  return store.transaction(async (client) => {
    const results: InsertResult[] = [];
    for (const run of runs) results.push(...(await insertRun(store, run, now, client)));
    return results;
  });
}

async function insertRun(store: PostgresStore, jobs: NewJob[], now: number, via?: Queryable): Promise<InsertResult[]> {
  const results: (InsertResult | undefined)[] = new Array(jobs.length);
  let todo = jobs.map((_, i) => i);
  for (let round = 0; round < MAX_ROUNDS && todo.length > 0; round++) {
    const payload = JSON.stringify(todo.map((i) => toInput(jobs[i]!)));
    const rows = await store.run<JobRow & { ord: string | null; created: boolean }>('insert', [payload, now, store.notifyChannel], via);
    for (const row of rows) {
      if (row.ord === null) continue;
      const index = todo[Number(row.ord) - 1]!;
      results[index] = { job: toRecord(row), created: row.created };
    }
    todo = todo.filter((i) => results[i] === undefined);
  }
  if (todo.length > 0) throw new StoreError(`postgres insert: ${todo.length} job(s) kept racing a concurrent insert of the same dedupe key`);
  return results as InsertResult[];
}

function toInput(job: NewJob) {
  return {
    name: job.name,
    data: job.data ?? null,
    priority: job.priority,
    max_attempts: job.maxAttempts,
    backoff: job.backoff,
    timeout_ms: job.timeoutMs,
    repeat: job.repeat,
    repeat_key: job.repeatKey,
    dedupe_key: job.dedupeKey,
    label: job.label ?? null,
    due_at: job.dueAt,
    next_run_at: job.nextRunAt,
  };
}

/** Cut the batch before any job whose repeat key already appeared in the current run. */
function splitOnRepeatedKeys(jobs: NewJob[]): NewJob[][] {
  const runs: NewJob[][] = [[]];
  let seen = new Set<string>();
  for (const job of jobs) {
    if (job.repeatKey !== null && seen.has(job.repeatKey)) {
      runs.push([]);
      seen = new Set();
    }
    if (job.repeatKey !== null) seen.add(job.repeatKey);
    runs[runs.length - 1]!.push(job);
  }
  return runs;
}
