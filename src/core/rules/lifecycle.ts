/**
 * The rules of every change to a job after insert and claim, written once (see claim.ts for how stores use
 * them). Each function takes the job as stored and returns it as the operation leaves it, or says the
 * operation does not apply. `lockToken` is the claim's fencing token, kept beside the record.
 */
import { DedupeConflictError } from '../errors.js';
import type { HistoryEntry, JobPatch, JobRecord, LeaseState, Settlement } from '../store.js';
import type { Json } from '../types.js';
import { FINISHED } from './insert.js';

/**
 * A job as a store holds it: the record, the fencing token of the claim that runs it (null: none), and the
 * token of the last run whose settlement was applied (see settleAnswer).
 */
export interface HeldJob {
  record: JobRecord;
  lockToken: string | null;
  settledToken?: string | null;
}

/** Whether an operation guarded by a lock token may act on the job: the token matches a run in progress. */
export function holdsLease(job: HeldJob, lockToken: string): boolean {
  return job.lockToken === lockToken && (job.record.status === 'running' || job.record.status === 'cancelled');
}

/**
 * Settle: apply a run's outcome if `s.lockToken` still holds the job; otherwise nothing (false: the lease was
 * lost). Cancel wins over settle: a job cancelled while it ran stays cancelled (its other fields still take
 * the outcome), and its history record says 'cancelled'. The lock is cleared.
 */
export function settledRecord(job: HeldJob, s: Settlement): { record: JobRecord; history: HistoryEntry | null } | null {
  if (!holdsLease(job, s.lockToken)) return null;
  const before = job.record;
  const cancelled = before.status === 'cancelled';
  const record: JobRecord = {
    ...before,
    status: cancelled ? 'cancelled' : s.status,
    nextRunAt: s.nextRunAt ?? before.nextRunAt,
    dueAt: s.dueAt ?? before.dueAt,
    attempts: s.attempts ?? before.attempts,
    maxAttempts: s.maxAttempts ?? before.maxAttempts,
    result: s.result !== undefined ? s.result : before.result,
    lastError: s.lastError !== undefined ? s.lastError : before.lastError,
    lastErrorStack: s.lastErrorStack !== undefined ? s.lastErrorStack : before.lastErrorStack,
    lastFinishedAt: s.finishedAt,
    lockedBy: null,
    lockedUntil: null,
    updatedAt: s.finishedAt,
  };
  const history = s.history === null ? null : { ...s.history, status: cancelled ? 'cancelled' : s.history.status };
  return { record, history };
}

/**
 * What a settle that did not apply answers: true when the job's last applied settlement presented this same
 * token. That is a retry of a settle whose answer never reached its worker (the call timed out, the connection
 * dropped after the commit): the outcome is in the store, so the worker must not report its lease lost, and
 * nothing is written again (no second history record). Any other token: false, the lease was lost. Tokens are
 * unique per claim, so a token settled once can never hold the job again.
 */
export function settleAnswer(job: HeldJob | null, lockToken: string): boolean {
  return job !== null && job.settledToken === lockToken;
}

/** Heartbeat: extend the lease if the token still holds the job. 'cancelled' tells the worker to abort. */
export function renewedLease(job: HeldJob | null, lockToken: string, lockedUntil: number, now: number): { state: LeaseState; record: JobRecord | null } {
  if (job === null || !holdsLease(job, lockToken)) return { state: 'lost', record: null };
  return {
    state: job.record.status === 'cancelled' ? 'cancelled' : 'ok',
    record: { ...job.record, lockedUntil, updatedAt: now },
  };
}

/** Progress is saved only by the run that holds a running job (a cancelled run's progress is refused). */
export function progressRecord(job: HeldJob | null, lockToken: string, progress: Json, now: number): JobRecord | null {
  if (job === null || job.lockToken !== lockToken || job.record.status !== 'running') return null;
  return { ...job.record, progress, updatedAt: now };
}

/**
 * Cancel: pending, blocked or running → cancelled (its dependents follow: rules/flow.ts cascade). A running job keeps its lock, so its worker still settles it (as
 * cancelled) and learns of the cancel from its next heartbeat. A finished job is left as it is (null).
 */
export function cancelledRecord(job: JobRecord, now: number): JobRecord | null {
  if (job.status !== 'pending' && job.status !== 'running' && job.status !== 'blocked') return null;
  return { ...job, status: 'cancelled', updatedAt: now };
}

/**
 * Trigger (run now): a pending job becomes due now; a finished one starts a fresh cycle (attempts 0) due now
 * (blocked again if it still waits for dependencies, and its cascade-cancelled dependents too: flow.ts restore),
 * unless another job takes its dedupe key (DedupeConflictError, nothing changes); a running one is left
 * alone (null). The lock is dropped: a job cancelled while it ran still carries that run's token, which must
 * not settle the new run. `dedupeHolder` is the job taking job.dedupeKey at `now` (rules/dedupe.ts takesKey),
 * if any: a finished job still within its own dedupeFor period is that holder, so it runs again (the same job,
 * never a second holder); its period is not renewed (it counts from creation).
 */
export function triggeredRecord(job: JobRecord, dedupeHolder: JobRecord | null, now: number): { record: JobRecord; dropLock: true } | null {
  // A blocked job waits for its dependencies (rules/flow.ts); a trigger does not run it without them.
  if (job.status === 'running' || job.status === 'blocked') return null;
  if (FINISHED.has(job.status) && job.dedupeKey !== null && dedupeHolder !== null && dedupeHolder.id !== job.id) {
    throw new DedupeConflictError(job.id, job.dedupeKey, dedupeHolder.id);
  }
  return {
    record: {
      ...job,
      nextRunAt: now,
      lockedBy: null,
      lockedUntil: null,
      attempts: job.status === 'pending' ? job.attempts : 0,
      // A workflow node cancelled before its dependencies released it waits for them again, its cascade's error
      // cleared as restore clears it (rules/flow.ts): a node that still waits never ran, so that error is all it
      // has, and a cancel by hand later must leave it without one (not restored, not holding its dependency).
      status: job.waitingFor > 0 ? 'blocked' : 'pending',
      lastError: job.waitingFor > 0 ? null : job.lastError,
      updatedAt: now,
    },
    dropLock: true,
  };
}

/** Update: the patch's fields on a job that is not running (null: running, left as it is). */
export function patchedRecord(job: JobRecord, patch: JobPatch, now: number): JobRecord | null {
  if (job.status === 'running') return null;
  return {
    ...job,
    data: patch.data !== undefined ? patch.data : job.data,
    priority: patch.priority ?? job.priority,
    maxAttempts: patch.maxAttempts !== undefined ? patch.maxAttempts : job.maxAttempts,
    repeat: patch.repeat !== undefined ? patch.repeat : job.repeat,
    nextRunAt: patch.nextRunAt ?? job.nextRunAt,
    dueAt: patch.dueAt ?? job.dueAt,
    updatedAt: now,
  };
}
