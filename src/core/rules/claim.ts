/**
 * The rules of a claim, written once. MemoryStore applies them directly; the SQL and Lua of the other stores
 * implement the same rules (proven by test/differential), and take the texts below from here.
 *
 * A claim, in one atomic operation:
 *   1. recovery: every `running` job whose lease ended (lockedUntil < now) goes back to `pending`, due now,
 *      with a `failed` history record for the lost run (lostRunMessage);
 *   2. selection: due (`nextRunAt <= now`) `pending` jobs of the allowed names, not paused, walked in claim
 *      order (compareClaimOrder), each taken while its name has allowance (NameAllowance) until `limit`;
 *   3. each taken job becomes `running`: attempts + 1, locked to the claimer until now + its lock lifetime.
 */
import type { ClaimRequest, JobRecord, NameLimit } from '../store.js';

/** The error text of a run whose lease ended without its worker settling it (its process died or stalled). */
export function lostRunMessage(lockedBy: string | null): string {
  return `lock expired: worker ${lockedBy ?? '?'} stopped renewing it`;
}

/** Whether recovery (step 1) takes this job back: running, and its lease ended before `now`. */
export function leaseEnded(job: Pick<JobRecord, 'status' | 'lockedUntil'>, now: number): boolean {
  return job.status === 'running' && job.lockedUntil !== null && job.lockedUntil < now;
}

/**
 * Claim order: higher priority first, then earlier nextRunAt, then insertion order (`seq`: ids grow with
 * insertion on every store). Negative when `a` is claimed before `b`.
 */
export function compareClaimOrder(
  a: Pick<JobRecord, 'priority' | 'nextRunAt'> & { seq: number },
  b: Pick<JobRecord, 'priority' | 'nextRunAt'> & { seq: number },
): number {
  return b.priority - a.priority || a.nextRunAt - b.nextRunAt || a.seq - b.seq;
}

/** Whether a job may be selected by this request at all (before allowances). */
export function claimable(job: Pick<JobRecord, 'status' | 'nextRunAt' | 'name'>, request: Pick<ClaimRequest, 'now' | 'names'>, paused: ReadonlySet<string>): boolean {
  return (
    job.status === 'pending' &&
    job.nextRunAt <= request.now &&
    (request.names === null || request.names.includes(job.name)) &&
    !paused.has(job.name)
  );
}

/**
 * Whether a job takes one of its name's `global` slots: it is running, or it was cancelled while running and
 * its handler may still be executing (its lease, still renewed by that run, has not ended). A cancel must not
 * let a second run of a concurrency-1 name start beside a handler that has not returned yet.
 */
export function takesSlot(job: Pick<JobRecord, 'status' | 'lockedUntil'>, now: number): boolean {
  return job.status === 'running' || (job.status === 'cancelled' && job.lockedUntil !== null && job.lockedUntil >= now);
}

/**
 * How many more jobs of each capped name this claim may take: the least of its `localFree` (this worker's
 * free slots for it) and `global` minus the jobs of that name taking a slot now (takesSlot, after recovery).
 * Names without a NameLimit are unlimited (only `limit` bounds them).
 */
export class NameAllowance {
  private readonly left = new Map<string, number>();

  /** `rateRoom`: a name-wide global rate's room in its window now (rules/rate.ts), for names that have one. */
  constructor(request: Pick<ClaimRequest, 'limits'>, runningByName: (name: string) => number, rateRoom?: (limit: NameLimit) => number) {
    for (const cap of request.limits) {
      let left = cap.localFree ?? Infinity;
      if (cap.global !== undefined) left = Math.min(left, cap.global - runningByName(cap.name));
      if (cap.rate !== undefined && !cap.rate.byGroup && rateRoom) left = Math.min(left, rateRoom(cap));
      this.left.set(cap.name, Math.max(0, left));
    }
  }

  /** Take one job of this name if it has allowance left. */
  take(name: string): boolean {
    const left = this.left.get(name);
    if (left === undefined) return true;
    if (left <= 0) return false;
    this.left.set(name, left - 1);
    return true;
  }

  /** How many more this name may take (Infinity: uncapped). */
  remaining(name: string): number {
    return this.left.get(name) ?? Infinity;
  }

  /** The capped names (stores that claim capped names separately ask for these). */
  names(): string[] {
    return [...this.left.keys()];
  }
}

/** The lock lifetime a job of this name is claimed for. */
export function lockLifetimeFor(name: string, request: Pick<ClaimRequest, 'lockLifetimeMs' | 'lockLifetimes'>): number {
  // Own properties only: a job named 'constructor' must not find Object.prototype's.
  const lifetimes = request.lockLifetimes;
  return lifetimes !== undefined && Object.hasOwn(lifetimes, name) ? lifetimes[name]! : request.lockLifetimeMs;
}

/** Step 3: the job as the claim leaves it. */
export function claimedRecord(job: JobRecord, request: ClaimRequest): JobRecord {
  return {
    ...job,
    status: 'running',
    attempts: job.attempts + 1,
    lockedBy: request.workerId,
    lockedUntil: request.now + lockLifetimeFor(job.name, request),
    lastRunAt: request.now,
    updatedAt: request.now,
  };
}

/** Step 1: the job as recovery leaves it, and the history record of its lost run. */
export function recoveredRecord(job: JobRecord, now: number): { record: JobRecord; history: import('../store.js').HistoryEntry } {
  const message = lostRunMessage(job.lockedBy);
  const startedAt = job.lastRunAt ?? now;
  return {
    record: {
      ...job,
      status: 'pending',
      nextRunAt: now,
      lockedBy: null,
      lockedUntil: null,
      lastError: message,
      lastErrorStack: null,
      updatedAt: now,
    },
    history: { status: 'failed', attempt: job.attempts, startedAt, completedAt: now, error: message, stack: null, result: null, workerId: job.lockedBy ?? '?' },
  };
}
