/**
 * What a finished run means for its job: the pure decision the worker hands to the store as a Settlement.
 * Kept free of I/O so retry, backoff and repeat rules are tested directly.
 */
import type { ClaimedJob, Settlement, StepRecord } from './store.js';
import { jitterOffset, nextOccurrence } from './time/repeat.js';
import type { BackoffSpec, Json } from './types.js';
import { isWellFormed } from './validate.js';

export interface RunPolicy {
  maxAttempts: number;
  backoff: BackoffSpec;
  saveResult: boolean;
}

export type RunOutcome =
  | { kind: 'success'; result: Json }
  | { kind: 'failure'; error: Error }
  | { kind: 'cancelled' }
  /** The scheduler is stopping: give the job back without spending an attempt. */
  | { kind: 'released'; reason: string }
  /** ctx.sleep / ctx.waitForEvent ended the run: the job waits in the store until `until` (durable.ts). */
  | { kind: 'suspended'; step: StepRecord; until: number };

export interface Decision {
  settlement: Settlement;
  /** For events: 'retry' (will run again), 'final' (no more attempts), or the plain outcome. */
  verdict: 'success' | 'retry' | 'final-failure' | 'cancelled' | 'released' | 'suspended';
}

/** Delay before retry number `retry` (1 = first retry). */
export function backoffDelay(backoff: BackoffSpec, retry: number): number {
  if (backoff.type === 'fixed') return backoff.delay;
  const delay = backoff.delay * 2 ** Math.max(0, retry - 1);
  return Math.min(delay, backoff.maxDelay ?? Number.MAX_SAFE_INTEGER);
}

export function errorText(error: Error): string {
  const text = storable(error.message || error.name || String(error));
  return text.length > 4000 ? `${text.slice(0, 3997)}...` : text;
}

/**
 * Error texts go into text columns, and PostgreSQL's cannot hold U+0000: one such byte in a message would
 * refuse the whole settle batch (and the jobs would run again). Every store sends text as UTF-8, which turns
 * a lone UTF-16 surrogate into U+FFFD. Both become U+FFFD here, so every store (the model too) keeps the same text.
 */
function storable(text: string): string {
  const kept = text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
  return isWellFormed(kept) ? kept : (kept as unknown as { toWellFormed(): string }).toWellFormed();
}

/** Most lines and characters of a stack kept with a failure: where it failed, not a megabyte per retry. */
export const MAX_STACK_LINES = 50;
export const MAX_STACK_CHARS = 8000;

/** The error's stack, bounded (MAX_STACK_LINES, MAX_STACK_CHARS); null when it has none. */
export function errorStack(error: Error): string | null {
  const stack = typeof error.stack === 'string' ? error.stack : null;
  if (!stack) return null;
  let text = storable(stack);
  const lines = text.split('\n');
  if (lines.length > MAX_STACK_LINES) text = `${lines.slice(0, MAX_STACK_LINES).join('\n')}\n    ... ${lines.length - MAX_STACK_LINES} more lines`;
  return text.length > MAX_STACK_CHARS ? `${text.slice(0, MAX_STACK_CHARS - 3)}...` : text;
}

export function decide(job: ClaimedJob, outcome: RunOutcome, policy: RunPolicy, startedAt: number, now: number, workerId: string): Decision {
  // Written without spreads or closures: this runs once per job on the worker's hot path.
  const settlement: Settlement = { id: job.id, lockToken: job.lockToken, status: 'completed', finishedAt: now, history: null };
  const history = { status: 'completed' as 'completed' | 'failed' | 'cancelled', attempt: job.attempts, startedAt, completedAt: now, error: null as string | null, stack: null as string | null, result: null as Json | null, workerId };
  settlement.history = history;
  // What ran is what every reader sees: a job stored without maxAttempts takes the one this run used.
  if (job.maxAttempts === null) settlement.maxAttempts = policy.maxAttempts;
  switch (outcome.kind) {
    case 'success': {
      // A workflow node's dependents read its result (ctx.results()): kept whatever shouldSaveResult says.
      const save = policy.saveResult || job.flow?.dependents === true;
      const result = save ? outcome.result : null;
      if (job.repeat) nextCycle(settlement, job, now);
      // A null that is already null is left alone (undefined): a write fewer per job for stores that delete a
      // field to null it, and the same result, since nothing else writes these fields while this run holds the lock.
      if (save && (result !== null || job.result !== null)) settlement.result = result;
      // Clear an earlier attempt's (or cycle's) error.
      if (job.lastError !== null || job.lastErrorStack !== null) {
        settlement.lastError = null;
        settlement.lastErrorStack = null;
      }
      history.result = result;
      return { verdict: 'success', settlement };
    }
    case 'failure': {
      const message = errorText(outcome.error);
      const stack = errorStack(outcome.error);
      settlement.lastError = message;
      settlement.lastErrorStack = stack;
      history.status = 'failed';
      history.error = message;
      history.stack = stack;
      if (job.attempts < policy.maxAttempts) {
        settlement.status = 'pending';
        settlement.nextRunAt = now + backoffDelay(policy.backoff, job.attempts);
        return { verdict: 'retry', settlement };
      }
      if (job.repeat) nextCycle(settlement, job, now);
      else settlement.status = 'failed';
      return { verdict: 'final-failure', settlement };
    }
    case 'cancelled':
      // The store keeps a cancelled job cancelled; the status sent here is not applied.
      settlement.status = 'failed';
      history.status = 'cancelled';
      history.error = 'cancelled';
      return { verdict: 'cancelled', settlement };
    case 'released':
      settlement.status = 'pending';
      settlement.nextRunAt = now;
      settlement.attempts = Math.max(0, job.attempts - 1);
      history.status = 'failed';
      history.error = outcome.reason;
      return { verdict: 'released', settlement };
    case 'suspended':
      // Waiting is not an attempt: the claim's increment is given back, and the entry (not a history record)
      // tells the story (Scheduler.history shows it). Store.suspend applies this with the entry.
      settlement.status = 'pending';
      settlement.nextRunAt = outcome.until;
      settlement.attempts = Math.max(0, job.attempts - 1);
      settlement.history = null;
      return { verdict: 'suspended', settlement };
  }
}

/** A repeating job's cycle ends with success or its last failure: next occurrence, attempts start over. */
function nextCycle(settlement: Settlement, job: ClaimedJob, now: number): void {
  const next = nextOccurrence(job.repeat!, job.dueAt, now);
  settlement.status = 'pending';
  // The next due time comes from the last due time (never drifts); only when it runs is jittered. A run
  // started early (trigger) leaves its due time as it was (nextOccurrence), and so its jittered time.
  settlement.nextRunAt = next + jitterOffset(job.repeat!, job.repeatKey ?? job.name, next);
  settlement.dueAt = next;
  settlement.attempts = 0;
}
