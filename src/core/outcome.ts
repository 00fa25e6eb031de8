/**
 * What a finished run means for its job: the pure decision the worker hands to the store as a Settlement.
 * Kept free of I/O so retry, backoff and repeat rules are tested directly.
 */
import type { ClaimedJob, Settlement } from './store.js';
import { nextOccurrence } from './time/repeat.js';
import type { BackoffSpec, Json } from './types.js';

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
  | { kind: 'released'; reason: string };

export interface Decision {
  settlement: Settlement;
  /** For events: 'retry' (will run again), 'final' (no more attempts), or the plain outcome. */
  verdict: 'success' | 'retry' | 'final-failure' | 'cancelled' | 'released';
}

/** Delay before retry number `retry` (1 = first retry). */
export function backoffDelay(backoff: BackoffSpec, retry: number): number {
  if (backoff.type === 'fixed') return backoff.delay;
  const delay = backoff.delay * 2 ** Math.max(0, retry - 1);
  return Math.min(delay, backoff.maxDelay ?? Number.MAX_SAFE_INTEGER);
}

export function errorText(error: Error): string {
  const text = error.message || error.name || String(error);
  return text.length > 4000 ? `${text.slice(0, 3997)}...` : text;
}

export function decide(job: ClaimedJob, outcome: RunOutcome, policy: RunPolicy, startedAt: number, now: number, workerId: string): Decision {
  const base = { id: job.id, lockToken: job.lockToken, finishedAt: now };
  const history = (status: 'completed' | 'failed' | 'cancelled', error: string | null, result: Json | null) => ({
    status,
    attempt: job.attempts,
    startedAt,
    completedAt: now,
    error,
    result,
    workerId,
  });
  // A repeating job's cycle ends with success or its last failure: next occurrence, attempts start over.
  const nextCycle = () => {
    const next = nextOccurrence(job.repeat!, job.dueAt, now);
    return { status: 'pending' as const, nextRunAt: next, dueAt: next, attempts: 0 };
  };

  switch (outcome.kind) {
    case 'success': {
      const result = policy.saveResult ? outcome.result : null;
      return {
        verdict: 'success',
        settlement: {
          ...base,
          ...(job.repeat ? nextCycle() : { status: 'completed' as const }),
          result: policy.saveResult ? result : undefined,
          lastError: null,
          history: history('completed', null, result),
        },
      };
    }
    case 'failure': {
      const message = errorText(outcome.error);
      if (job.attempts < policy.maxAttempts) {
        return {
          verdict: 'retry',
          settlement: {
            ...base,
            status: 'pending',
            nextRunAt: now + backoffDelay(policy.backoff, job.attempts),
            lastError: message,
            history: history('failed', message, null),
          },
        };
      }
      return {
        verdict: 'final-failure',
        settlement: {
          ...base,
          ...(job.repeat ? nextCycle() : { status: 'failed' as const }),
          lastError: message,
          history: history('failed', message, null),
        },
      };
    }
    case 'cancelled':
      // The store keeps a cancelled job cancelled; the status sent here is not applied.
      return { verdict: 'cancelled', settlement: { ...base, status: 'failed', history: history('cancelled', 'cancelled', null) } };
    case 'released':
      return {
        verdict: 'released',
        settlement: {
          ...base,
          status: 'pending',
          nextRunAt: now,
          attempts: Math.max(0, job.attempts - 1),
          history: history('failed', outcome.reason, null),
        },
      };
  }
}
