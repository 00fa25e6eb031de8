/**
 * listJobs (rules/query.ts: matchesQuery, compareJobs). Two plans:
 * - pending jobs by nextRunAt (status ['pending'] alone, no text, no repeating): a loose index scan of the claim
 *   index (priority DESC, next_run_at, id) WHERE status = 'pending', or its per-name twin: the distinct
 *   priorities one seek each, then the first offset + limit entries of each priority, merged here. Reads
 *   priorities × (offset + limit) entries, never the backlog: the overview's oldest waiting job at a million
 *   pending jobs. test/stores/sqlite.list-plans.test.ts holds the plans to that.
 * - one name's jobs in insertion order (no text, repeating or group): a range of each status's index, merged
 *   (nameStatement).
 * - every other query: one statement, filtered by status, name, repeat and text, ORDER BY the field (nulls last),
 *   then id in the same direction, LIMIT and OFFSET. One text per combination, prepared once. Newest first (the
 *   default) walks ids backwards, or, for one status that is not pending, that status's index (statusIndex); an
 *   order no index serves is a top-N sort of the jobs the filters keep. A group reads its own index (migration
 *   014), pending or not.
 */
import type Database from 'better-sqlite3';
import { compareJobs, DEFAULT_ORDER, lowerAscii } from '../../core/rules/query.js';
import type { JobOrderField, JobQuery } from '../../core/store.js';
import { FINISHED_STATUSES, JOB_STATUSES } from '../../core/types.js';
import { toRecord, type JobRow } from './rows.js';
import type { JobRecord } from '../../core/store.js';

type Prepare = (text: string) => Database.Statement;

/**
 * matchesText: a substring of the name, label, data's JSON text or last error, with A-Z folded and nothing
 * else. SQLite's built-in lower() folds ASCII only (this build has no ICU) and the needle is folded by core's
 * lowerAscii; instr() finds it as it is, where LIKE would read % and _ as wildcards, stop at a NUL and refuse
 * a pattern over 50,000 bytes. A NULL label or error matches nothing; the empty text matches every job (through
 * its name). No index serves it: the rows are read in list order and the walk stops at the limit.
 */
const MATCHES_TEXT =
  '(instr(lower(name), @text) > 0 OR instr(lower(label), @text) > 0 OR instr(lower(data), @text) > 0 OR instr(lower(last_error), @text) > 0)';

/** Columns of the order fields. Names compare by BINARY collation: UTF-8 bytes, core's compareText. */
const COLUMN: Record<JobOrderField, string> = {
  createdAt: 'id',
  updatedAt: 'updated_at',
  nextRunAt: 'next_run_at',
  lastRunAt: 'last_run_at',
  priority: 'priority',
  attempts: 'attempts',
  name: 'name',
};

/**
 * Whether the query takes the loose index scan of pending jobs by nextRunAt (pendingRows): several statements,
 * each reading a bounded number of entries. Every other query is one statement (listStatement), which may walk
 * or sort the table: the store reads those on its reader thread (reader.ts).
 */
export function isPendingByNextRun(query: JobQuery): boolean {
  const order = query.order ?? DEFAULT_ORDER;
  return order.by === 'nextRunAt' && isPendingOnly(query) && query.text === undefined && !query.repeating && query.group === undefined;
}

/** A page of pending jobs by nextRunAt (isPendingByNextRun), run inside the caller's read of one snapshot. */
export function pendingRows(query: JobQuery, prepare: Prepare): JobRecord[] {
  return pendingByNextRun(query, (query.order ?? DEFAULT_ORDER).dir, prepare);
}

function isPendingOnly(query: JobQuery): boolean {
  return query.status !== undefined && query.status.length > 0 && query.status.every((s) => s === 'pending');
}

export function listStatement(query: JobQuery): { text: string; params: Record<string, unknown> } {
  if (isNameByCreation(query)) return nameStatement(query);
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: query.limit, offset: query.offset };
  // One status other than pending is spelled as a fixed text (one of JOB_STATUSES, never input), so the planner
  // may prove a partial index's predicate: see statusIndex. (Spelled out, pending could be answered from a claim
  // index and a sort of the whole backlog; the walk of the primary key finds the newest at once.)
  const one = query.status?.length === 1 && query.status[0] !== 'pending' && (JOB_STATUSES as readonly string[]).includes(query.status[0]!) ? query.status[0]! : null;
  if (one !== null) {
    // Implies the predicate of the status's partial index (hourglass_jobs_finished's is an OR of the three
    // finished statuses, migration 018), which SQLite proves on the text before it uses the index.
    where.push(`status = '${one}'`);
  } else if (query.status && query.status.length > 0) {
    where.push('status IN (SELECT value FROM json_each(@statuses))');
    params.statuses = JSON.stringify(query.status);
  }
  if (query.name !== undefined) {
    where.push('name = @name');
    params.name = query.name;
  }
  // Spelled as the partial index's WHERE, so the planner may use hourglass_jobs_repeating (migration 007).
  if (query.repeating) where.push('repeat IS NOT NULL');
  if (query.group !== undefined) {
    where.push('job_group = @group');
    params.group = query.group;
  }
  if (query.text !== undefined) {
    where.push(MATCHES_TEXT);
    params.text = lowerAscii(query.text);
  }
  const order = query.order ?? DEFAULT_ORDER;
  const dir = order.dir === 'asc' ? 'ASC' : 'DESC';
  // Only last_run_at can be NULL; rules/query.ts puts nulls last in either direction.
  const by = order.by === 'createdAt' ? `id ${dir}` : `${COLUMN[order.by]} ${dir}${order.by === 'lastRunAt' ? ' NULLS LAST' : ''}, id ${dir}`;
  // Repeating jobs are read from their own index (migration 007), whatever else filters them: it holds them alone.
  // A group's jobs likewise from theirs (migration 014): its jobs by id, so the walk is the group's, never the
  // table's, whatever the status or name (pinned: the planner may prefer a status index and walk every job).
  const index = query.repeating
    ? 'hourglass_jobs_repeating'
    : query.group !== undefined
      ? 'hourglass_jobs_group'
      : one !== null && order.by === 'createdAt'
        ? statusIndex(one)
        : null;
  const from = index === null ? 'hourglass_jobs' : `hourglass_jobs INDEXED BY ${index}`;
  const text = `SELECT * FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY ${by} LIMIT @limit OFFSET @offset`;
  return { text, params };
}

/** One name's jobs in insertion order, with no filter but statuses: nameStatement, a range per status. */
function isNameByCreation(query: JobQuery): boolean {
  return (query.order ?? DEFAULT_ORDER).by === 'createdAt' && query.name !== undefined && query.text === undefined && !query.repeating && query.group === undefined;
}

/**
 * Where one name's jobs of one status are, in id order or few: finished ones in hourglass_jobs_finished_name
 * (name, status), whose entries end with the rowid, so a (name, status) range is in id order; blocked ones in
 * hourglass_jobs_blocked (name, id); running ones are a worker's slots (hourglass_jobs_running, sorted); pending
 * ones the name's part of its claim index, sorted, for a name with fewer than PENDING_SORTED (nameStatement).
 */
const NAME_INDEX: Record<string, string> = {
  pending: 'hourglass_jobs_claim_name',
  running: 'hourglass_jobs_running',
  completed: 'hourglass_jobs_finished_name',
  failed: 'hourglass_jobs_finished_name',
  cancelled: 'hourglass_jobs_finished_name',
  blocked: 'hourglass_jobs_blocked',
};

/** Most pending jobs of a name sorted for a page of its jobs in id order; past it, the ids are walked. */
const PENDING_SORTED = 10_000;
/** The name's pending jobs, counted up to PENDING_SORTED (a range of the claim index, stopped there). */
const PENDING_COUNT = `(SELECT count(*) FROM (SELECT 1 FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name WHERE status = 'pending' AND name = @name LIMIT ${PENDING_SORTED}))`;

/**
 * A name's jobs newest (or oldest) first, for listJobs({ name }): the console's and the REST API's filter. The
 * general statement walked the primary key from the newest job past every other name's (~10 ms a page beside
 * 200,000 jobs of another name, growing with them); this reads, for each status asked for, at most
 * offset + limit of the name's jobs from that status's index (NAME_INDEX, pinned), and merges them. Statuses
 * are fixed texts (JOB_STATUSES, never input), so each partial index's predicate is proven.
 */
function nameStatement(query: JobQuery): { text: string; params: Record<string, unknown> } {
  const dir = (query.order ?? DEFAULT_ORDER).dir === 'asc' ? 'ASC' : 'DESC';
  const asked = query.status && query.status.length > 0 ? query.status : JOB_STATUSES;
  const arm = (s: string, from: string, limit = '@want') =>
    `SELECT * FROM (SELECT * FROM ${from} WHERE status = '${s}' AND name = @name ORDER BY id ${dir} LIMIT ${limit})`;
  const arms = JOB_STATUSES.filter((s) => asked.includes(s)).flatMap((s) =>
    s !== 'pending'
      ? [arm(s, `hourglass_jobs INDEXED BY ${NAME_INDEX[s]}`)]
      : // No index holds a name's pending jobs in id order (the claim's is by priority and due time), and a sort
        // of a big name's backlog costs what the walk was meant to save (~100 ms at 200,000). So: up to
        // PENDING_SORTED of them are read from the claim index and sorted; a name with more is read by walking
        // ids from the end asked for, where a big backlog's jobs are found at once. The choice is each arm's
        // LIMIT (@want or 0), which SQLite computes once before the arm's loop and skips the loop on 0 (a WHERE
        // term would be tested on every row).
        [
          arm(s, `hourglass_jobs INDEXED BY ${NAME_INDEX[s]}`, `(CASE WHEN ${PENDING_COUNT} < ${PENDING_SORTED} THEN @want ELSE 0 END)`),
          arm(s, 'hourglass_jobs NOT INDEXED', `(CASE WHEN ${PENDING_COUNT} >= ${PENDING_SORTED} THEN @want ELSE 0 END)`),
        ],
  );
  const text = `SELECT * FROM (${arms.join(' UNION ALL ')}) ORDER BY id ${dir} LIMIT @limit OFFSET @offset`;
  return { text, params: { name: query.name, want: query.offset + query.limit, limit: query.limit, offset: query.offset } };
}

/**
 * The index that holds one status's jobs, for a list of that status in id order (the default, newest first): a
 * walk of the primary key would step over every job of the other statuses (at a million pending jobs, a page
 * of failed ones read them all). Finished jobs are in hourglass_jobs_finished (status, id) in id order, so the
 * page is a range of it; running and blocked jobs are few next to the backlog (a worker's slots, a workflow's
 * waiting steps), read from their own partial indexes and sorted. Pending jobs are the backlog itself: the
 * primary key's walk finds the newest at once.
 */
function statusIndex(status: string): string {
  if ((FINISHED_STATUSES as readonly string[]).includes(status)) return 'hourglass_jobs_finished';
  return status === 'running' ? 'hourglass_jobs_running' : 'hourglass_jobs_blocked_id';
}

/** The statements of the loose index scan: the next priority below one, and the head of one priority. */
export function pendingStatements(named: boolean, dir: 'asc' | 'desc'): { nextPriority: string; head: string } {
  const name = named ? 'AND name = @name ' : '';
  const d = dir === 'asc' ? 'ASC' : 'DESC';
  // Pinned, as the claim's statements are: should the planner ever prefer another path, SQLite refuses the
  // statement instead of silently reading the backlog.
  const jobs = `hourglass_jobs INDEXED BY ${named ? 'hourglass_jobs_claim_name' : 'hourglass_jobs_claim'}`;
  return {
    nextPriority: `SELECT priority FROM ${jobs} WHERE status = 'pending' ${name}AND priority < @below ORDER BY priority DESC LIMIT 1`,
    // Ungrouped and grouped jobs are apart within a priority (migration 010): the head of each half.
    head: `SELECT * FROM ${jobs} WHERE status = 'pending' ${name}AND priority = @priority AND (job_group IS NOT NULL) = @grouped ORDER BY next_run_at ${d}, id ${d} LIMIT @want`,
  };
}

/**
 * Pending jobs by nextRunAt, a page of them: the first offset + limit of each priority (the index holds each
 * priority's jobs in due order), merged by the rule's comparator. Run inside the caller's read of one snapshot.
 */
function pendingByNextRun(query: JobQuery, dir: 'asc' | 'desc', prepare: Prepare): JobRecord[] {
  const named = query.name !== undefined;
  const texts = pendingStatements(named, dir);
  const nextPriority = prepare(texts.nextPriority).pluck();
  const head = prepare(texts.head);
  const want = query.offset + query.limit;
  const base: Record<string, unknown> = named ? { name: query.name } : {};
  const rows: JobRecord[] = [];
  // Priorities are whole numbers (normalise.ts), so one above the largest safe integer starts below them all.
  let below: number | bigint = 2n ** 63n - 1n;
  for (;;) {
    const priority = nextPriority.get({ ...base, below }) as number | undefined;
    if (priority === undefined || priority === null) break;
    for (const grouped of [0, 1]) for (const row of head.all({ ...base, priority, grouped, want }) as JobRow[]) rows.push(toRecord(row));
    below = priority;
  }
  return rows.sort(compareJobs({ by: 'nextRunAt', dir })).slice(query.offset, query.offset + query.limit);
}
