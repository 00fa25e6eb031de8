/**
 * Retention: how long finished jobs and history records are kept, and the sweep that deletes the rest.
 *
 * Without it a store keeps every finished job and every run's history record forever (the default: history
 * is what the dashboard and `history(id)` show). With `retention: { completed: '1d' }` a job that completed
 * more than a day ago is deleted with its history (pg-boss's deleteAfterDays); `history: '30d'` also trims
 * the records of jobs that stay, such as a repeating job's one record per run.
 *
 * While the scheduler runs, each process sweeps every `interval`: Store.prune deletes at most a batch per
 * call, oldest first, and the sweep calls it again while batches come back full, up to a bound per sweep so
 * a backlog is worked off over several sweeps instead of holding the store. Deletes are idempotent, so
 * several processes sweeping the same store is harmless. `Scheduler.prune()` runs a sweep on demand.
 */
import { ValidationError } from './errors.js';
import type { Logger } from './logger.js';
import { assertKnownKeys, assertObject } from './normalise.js';
import type { PruneRequest, PruneResult, Store } from './store.js';
import { EVENT_RETENTION_MS } from './rules/steps.js';
import { parsePositiveDuration } from './time/duration.js';
import { assertInt, MAX_INT32 } from './validate.js';
import { FINISHED_STATUSES, type Duration, type FinishedStatus } from './types.js';

/**
 * How long finished jobs of one status stay: a duration (`'7d'`), or `{ age, count }`: none older than `age`, and
 * at most the newest `count` of them (jobs that finished in the same millisecond as the oldest kept stay too).
 */
export type FinishedRetention = Duration | { age?: Duration; count?: number };

export interface RetentionOptions {
  /** Delete completed jobs this long after they completed, or beyond the newest `count`. Default: keep. */
  completed?: FinishedRetention;
  /** Delete failed jobs (no attempts left) this long after they failed, or beyond the newest `count`. Default: keep. */
  failed?: FinishedRetention;
  /** Delete cancelled jobs this long after they were cancelled, or beyond the newest `count`. Default: keep. */
  cancelled?: FinishedRetention;
  /** Delete history records this long after their run ended, for jobs that stay too. Default: keep. */
  history?: Duration;
  /** How often a running scheduler sweeps. Default: a minute, or sooner for a shorter retention. */
  interval?: Duration;
}


export interface RetentionPolicy {
  completed: number | null;
  failed: number | null;
  cancelled: number | null;
  history: number | null;
  /** How many of the newest finished jobs of a status stay at most (none: no such limit). */
  keep: Partial<Record<FinishedStatus, number>>;
  intervalMs: number;
}

const KEYS = ['completed', 'failed', 'cancelled', 'history', 'interval'] as const;
/** Jobs (and history records) deleted per store call. */
export const PRUNE_BATCH = 1000;
/** Store calls per sweep at most: a backlog larger than this is worked off over several sweeps. */
const MAX_BATCHES_PER_SWEEP = 20;

export function parseRetention(value: unknown, field = 'options.retention'): RetentionPolicy | null {
  if (value === undefined || value === null) return null;
  const o = assertObject(value, field) as RetentionOptions;
  assertKnownKeys(o, [...KEYS], field);
  const keep: RetentionPolicy['keep'] = {};
  const age = (key: FinishedStatus | 'history'): number | null => {
    let given = o[key] as unknown;
    if (key !== 'history' && typeof given === 'object' && given !== null) {
      const limits = assertObject(given, `${field}.${key}`) as { age?: Duration; count?: unknown };
      assertKnownKeys(limits, ['age', 'count'], `${field}.${key}`);
      if (limits.age === undefined && limits.count === undefined) throw new ValidationError(`${field}.${key}`, given, 'give age (a duration), count (a number of jobs), or both');
      if (limits.count !== undefined) keep[key] = assertInt(limits.count, `${field}.${key}.count`, 0, MAX_INT32);
      given = limits.age;
    }
    return given === undefined ? null : parsePositiveDuration(given as Duration, `${field}.${key}`);
  };
  const policy = { completed: age('completed'), failed: age('failed'), cancelled: age('cancelled'), history: age('history'), keep };
  const ages = [policy.completed, policy.failed, policy.cancelled, policy.history].filter((v): v is number => v !== null);
  if (ages.length === 0 && Object.keys(keep).length === 0) {
    throw new ValidationError(field, value, 'give at least one of completed, failed, cancelled or history (a duration such as "7d", or for a finished status { count })');
  }
  // A sweep well within the shortest retention, never more often than every second.
  const intervalMs = o.interval === undefined ? Math.max(1000, Math.min(60_000, Math.floor(Math.min(60_000 * 2, ...ages) / 2))) : parsePositiveDuration(o.interval, `${field}.interval`);
  return { ...policy, intervalMs };
}

/**
 * The store request for a sweep at `now`. `counted`: per status, the finish time of the oldest job its `count`
 * keeps (countCutoffs); what finished before it goes, and so does what is older than the status's age.
 */
export function pruneRequest(policy: RetentionPolicy, now: number, limit = PRUNE_BATCH, counted: Partial<Record<FinishedStatus, number>> = {}): PruneRequest {
  const finishedBefore: PruneRequest['finishedBefore'] = {};
  for (const status of FINISHED_STATUSES) {
    const ageMs = policy[status];
    const cutoffs = [ageMs === null ? null : now - ageMs, counted[status] ?? null].filter((c): c is number => c !== null);
    if (cutoffs.length > 0) finishedBefore[status] = Math.max(...cutoffs);
  }
  return { finishedBefore, historyBefore: policy.history === null ? null : now - policy.history, limit, now };
}

/**
 * For each status with a `count`, the finish time before which its jobs go: that of the newest `count`-th job
 * (Store.finishedAt at rank count - 1), so the newest `count` stay, with any that finished in the same
 * millisecond as the last of them; `count` 0 keeps none (everything finished by `now`). A status with fewer jobs
 * than its count has no cutoff, nor does any on a store without finishedAt (a custom store: counts are ignored).
 */
export async function countCutoffs(store: Store, policy: RetentionPolicy, now: number): Promise<Partial<Record<FinishedStatus, number>>> {
  const cutoffs: Partial<Record<FinishedStatus, number>> = {};
  for (const status of FINISHED_STATUSES) {
    const count = policy.keep[status];
    if (count === undefined) continue;
    if (count === 0) cutoffs[status] = now + 1;
    else if (store.finishedAt) {
      const at = await store.finishedAt(status, count - 1);
      if (at !== null) cutoffs[status] = at;
    }
  }
  return cutoffs;
}

/**
 * How long a group's rate key keeps it (rules/groups.ts forgettable): a group whose jobs are all gone is forgotten
 * only once its last claim is this old, so no rate window that may still count it loses it (a window longer than
 * this is unusual; a group forgotten inside one could start up to `max` more in it, once).
 */
export const GROUP_RATE_KEEP_MS = 24 * 3_600_000;

/** Where a sweep's walk of the groups stopped (Store.pruneGroups): the next sweep goes on from there. */
export interface GroupWalk {
  cursor: string | null;
}

/**
 * One sweep: prune in batches while they come back full, up to MAX_BATCHES_PER_SWEEP; then the groups' upkeep
 * (where the store has it): up to as many pages of PRUNE_BATCH groups, from where `walk` stopped (from the first
 * group without one), so every group is visited over a few sweeps, whatever their number.
 */
export async function sweep(store: Store, policy: RetentionPolicy, now: number, walk: GroupWalk = { cursor: null }): Promise<PruneResult & { groups: number; events: number }> {
  const total = { jobs: 0, history: 0, groups: 0, events: 0 };
  // Read once a sweep: the batches below delete the oldest first, so the cutoff stays right for all of them.
  const counted = await countCutoffs(store, policy, now);
  for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch++) {
    const result = await store.prune(pruneRequest(policy, now, PRUNE_BATCH, counted));
    total.jobs += result.jobs;
    total.history += result.history;
    if (result.jobs < PRUNE_BATCH && result.history < PRUNE_BATCH) break;
  }
  // Events of every name past their retention (sendEvent forgets only its own name's).
  if (store.pruneEvents) total.events = await store.pruneEvents(now - EVENT_RETENTION_MS);
  if (store.pruneGroups) {
    for (let page = 0; page < MAX_BATCHES_PER_SWEEP; page++) {
      const result = await store.pruneGroups({ now, rateBefore: now - GROUP_RATE_KEEP_MS, limit: PRUNE_BATCH, cursor: walk.cursor });
      total.groups += result.forgotten;
      walk.cursor = result.next;
      if (result.next === null) break;
    }
  }
  return total;
}

/** Runs sweeps every policy.intervalMs while started. */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly groups: GroupWalk = { cursor: null };

  constructor(
    private readonly policy: RetentionPolicy,
    private readonly store: () => Promise<Store>,
    private readonly now: () => number,
    private readonly logger: Logger,
    private readonly onStoreError: (error: Error) => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce().finally(() => {
        this.running = null;
        if (this.timer) this.schedule();
      });
    }, this.policy.intervalMs);
    this.timer.unref?.();
  }

  private async sweepOnce(): Promise<void> {
    try {
      const result = await sweep(await this.store(), this.policy, this.now(), this.groups);
      if (result.jobs > 0 || result.history > 0 || result.groups > 0 || result.events > 0) this.logger.info(result, 'retention: deleted old jobs and history, forgot groups that went away and old events');
    } catch (error) {
      this.onStoreError(error as Error);
      this.logger.warn({ err: error }, 'retention sweep failed; trying again at the next interval');
    }
  }
}
