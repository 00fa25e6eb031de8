/**
 * The dedupe rules, written once (see claim.ts for how stores use them): when a dedupe key is taken, and by
 * which job. Insert (rules/insert.ts decideInsert) returns the job taking a key instead of adding another;
 * trigger (rules/lifecycle.ts triggeredRecord) refuses to bring a finished job back while another job takes its
 * key.
 *
 * A job takes its key while it is live (pending or running), and, when it was scheduled with `dedupeFor`,
 * until `dedupeUntil` (its createdAt + dedupeFor) even after it finished: throttling, at most one job per key
 * per period. Whichever lasts longer. At most one job takes a key at any time: a job becomes live only through
 * insert (refused while the key is taken) or trigger (refused while another job takes it), and a job whose
 * period still runs is the one that took the key when it was created. A finished job keeps its key for the
 * record (listJobs, the dashboard) once its period is over; it no longer blocks anything.
 *
 * `replace` (debounce): scheduling again while the key's holder is pending replaces that holder's data, due
 * time and priority (replacedRecord; same id, created false). While the holder runs, the new job is inserted
 * and becomes the key's pending holder, queued behind it: the claim does not take it until the running one has
 * finished (waitsForKey). So a key can have two live jobs, one running and one waiting; the holder insert
 * answers is then the newest live one (the one waiting), so a second replace call replaces the newcomer: only
 * one ever waits. A run of the older job that is retried (or recovered after its process died) while a
 * newcomer waits goes back to pending too: never lost; the key's jobs then run one at a time, oldest first.
 * A repeating holder is never replaced (it is a schedule; every() updates it by its key): it is returned.
 */
import type { JobRecord, NewJob } from '../store.js';
import { takesSlot } from './claim.js';

/** Whether `job` takes its dedupe key at `now`: live, or within its dedupeFor period (now < dedupeUntil). */
export function takesKey(job: Pick<JobRecord, 'status' | 'dedupeKey' | 'dedupeUntil'>, now: number): boolean {
  if (job.dedupeKey === null) return false;
  if (job.status === 'pending' || job.status === 'running') return true;
  return job.dedupeUntil !== null && now < job.dedupeUntil;
}

/**
 * The end of a new job's dedupeFor period: created `now`, so now + dedupeFor; null without a dedupe key or
 * without dedupeFor (the key is then taken only while the job is live).
 */
export function dedupeUntilOf(job: Pick<NewJob, 'dedupeKey' | 'dedupeForMs'>, now: number): number | null {
  return job.dedupeKey !== null && job.dedupeForMs !== undefined && job.dedupeForMs !== null ? now + job.dedupeForMs : null;
}

/**
 * Of the jobs taking a key, the one insert answers with (and `replace` acts on): the newest live one (a
 * newcomer waiting behind a running job is newer than it), else, of those holding it by their period, the one
 * whose period ends last (the newest on a tie). Two finished jobs can both be within their periods when a
 * newcomer queued behind a running job (replace) had dedupeFor too. Jobs in insertion order.
 */
export function keyHolderOf(jobs: Iterable<JobRecord>, now: number): JobRecord | null {
  let live: JobRecord | null = null;
  let held: JobRecord | null = null;
  for (const job of jobs) {
    if (!takesKey(job, now)) continue;
    if (job.status === 'pending' || job.status === 'running') live = job;
    else if (held === null || job.dedupeUntil! >= held.dedupeUntil!) held = job;
  }
  return live ?? held;
}

/** replace: the pending holder takes the new call's data, due time and priority (nothing else changes). */
export function replacedRecord(holder: JobRecord, job: NewJob, now: number): JobRecord {
  return { ...holder, data: job.data ?? null, priority: job.priority, nextRunAt: job.nextRunAt, dueAt: job.dueAt, updatedAt: now };
}

/**
 * Whether a pending job must wait for another job of its dedupe key: one that takes a run slot now (running,
 * or cancelled while running with its lease not ended: claim.ts takesSlot, its handler may still execute), or
 * an older pending one (the key's jobs run one at a time, oldest first). `seq` is insertion order. Only jobs
 * with a dedupe key ever wait; stores check this with one seek on the key.
 */
export function waitsForKey(job: Pick<JobRecord, 'id' | 'dedupeKey'> & { seq: number }, others: Iterable<JobRecord & { seq: number }>, now: number): boolean {
  if (job.dedupeKey === null) return false;
  for (const other of others) {
    if (other.id === job.id || other.dedupeKey !== job.dedupeKey) continue;
    if (takesSlot(other, now)) return true;
    if (other.status === 'pending' && other.seq < job.seq) return true;
  }
  return false;
}
