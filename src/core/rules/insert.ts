/**
 * The rules of insert, written once (see claim.ts for how stores use them). For each job of a batch, in
 * order (a job sees the ones inserted before it in the same batch):
 *   1. dedupe: a `dedupeKey` taken by a job (rules/dedupe.ts: live, or within its dedupeFor period) other than
 *      the job's own repeating job returns that holder unchanged (created false); with `replace`, a pending
 *      holder is replaced instead, and a running one gets the new job queued behind it (rules/dedupe.ts).
 *   2. repeat upsert: a `repeatKey` that exists updates that job (upsertedRecord), created false.
 *   3. otherwise a new pending job (newRecord), created true.
 */
import type { JobRecord, NewJob } from '../store.js';
import { dedupeUntilOf } from './dedupe.js';

export const FINISHED: ReadonlySet<JobRecord['status']> = new Set(['completed', 'failed', 'cancelled']);
export const LIVE: ReadonlySet<JobRecord['status']> = new Set(['pending', 'running']);

export type InsertDecision =
  | { kind: 'existing'; job: JobRecord }
  | { kind: 'upsert'; job: JobRecord }
  /** `replace`: the pending holder takes the new data, due time and priority (rules/dedupe.ts replacedRecord). */
  | { kind: 'replace'; job: JobRecord }
  | { kind: 'insert' };

/**
 * What happens to `job`, given the job holding its repeat key (if any) and the job taking its dedupe key at
 * the insert's `now` (rules/dedupe.ts takesKey), if any.
 */
export function decideInsert(job: NewJob, repeatHolder: JobRecord | null, dedupeHolder: JobRecord | null): InsertDecision {
  if (dedupeHolder !== null && dedupeHolder.id !== repeatHolder?.id) {
    // replace (rules/dedupe.ts): a pending one-off holder is replaced; a running one gets a newcomer queued
    // behind it. A finished holder (within its dedupeFor period) and a repeating one come back unchanged.
    if (job.replace === true && job.repeatKey === null && dedupeHolder.repeatKey === null) {
      if (dedupeHolder.status === 'pending') return { kind: 'replace', job: dedupeHolder };
      if (dedupeHolder.status === 'running') return { kind: 'insert' };
    }
    return { kind: 'existing', job: dedupeHolder };
  }
  if (repeatHolder !== null) return { kind: 'upsert', job: repeatHolder };
  return { kind: 'insert' };
}

/** A new job as stored. */
export function newRecord(id: string, job: NewJob, now: number): JobRecord {
  return {
    id,
    name: job.name,
    data: job.data ?? null,
    status: 'pending',
    priority: job.priority,
    attempts: 0,
    maxAttempts: job.maxAttempts,
    backoff: job.backoff,
    timeoutMs: job.timeoutMs,
    repeat: job.repeat,
    repeatKey: job.repeatKey,
    dedupeKey: job.dedupeKey,
    dedupeUntil: dedupeUntilOf(job, now),
    label: job.label ?? null,
    trace: job.trace ?? null,
    group: job.group ?? null,
    dueAt: job.dueAt,
    nextRunAt: job.nextRunAt,
    lastRunAt: null,
    lastFinishedAt: null,
    lastError: null,
    lastErrorStack: null,
    result: null,
    progress: null,
    flow: null,
    waitingFor: 0,
    lockedBy: null,
    lockedUntil: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Whether an upsert of this repeating job (every() called again) starts a new cycle: it had finished
 * (completed, failed or cancelled), so it comes back pending with a fresh cycle, and its durable entries
 * (rules/steps.ts: step results, sleeps, waits) are deleted in the same store operation, as trigger() does:
 * the revived run executes its steps instead of replaying the cycle that ended. A pending or running job keeps
 * them (its cycle goes on).
 */
export function upsertStartsCycle(existing: Pick<JobRecord, 'status'>): boolean {
  return FINISHED.has(existing.status);
}

/**
 * every() (or a repeat with a key) called again: the job takes the new name, data and options. Its due times
 * change only when the repeat changed or the job had finished; a finished job becomes pending again with a
 * fresh cycle (attempts 0) and without a lock (a job cancelled while it ran still carries that run's lease,
 * which must not settle the new cycle, as for trigger). A running job stays running (its run settles as usual).
 */
export function upsertedRecord(existing: JobRecord, job: NewJob, now: number): JobRecord {
  const finished = upsertStartsCycle(existing);
  const repeatChanged = JSON.stringify(existing.repeat) !== JSON.stringify(job.repeat);
  const moveDue = repeatChanged || finished;
  return {
    ...existing,
    name: job.name,
    data: job.data ?? null,
    priority: job.priority,
    maxAttempts: job.maxAttempts,
    backoff: job.backoff,
    timeoutMs: job.timeoutMs,
    dedupeKey: job.dedupeKey,
    label: job.label ?? null,
    // The latest every() call's context: its next runs belong to whoever last defined the schedule.
    trace: job.trace ?? null,
    // The group is kept: it is fixed at creation (a group's rotation and slots follow its jobs).
    group: existing.group,
    nextRunAt: moveDue ? job.nextRunAt : existing.nextRunAt,
    dueAt: moveDue ? job.dueAt : existing.dueAt,
    attempts: finished ? 0 : existing.attempts,
    status: finished ? 'pending' : existing.status,
    lockedBy: finished ? null : existing.lockedBy,
    lockedUntil: finished ? null : existing.lockedUntil,
    repeat: job.repeat,
    updatedAt: now,
  };
}
