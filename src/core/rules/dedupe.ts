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
 */
import type { JobRecord, NewJob } from '../store.js';

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
