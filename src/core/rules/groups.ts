/**
 * The rules of groups (tenants), written once (see claim.ts for how stores use them).
 *
 * A job may belong to a group (JobOptions.group, JobRecord.group), fixed at creation. Jobs without one are
 * claimed exactly as before (claim.ts); a name's grouped jobs are offered to a claim by its *rotation*:
 *
 *   - the groups of the name that have due jobs are visited in rotation order (compareRotation): least
 *     recently served first (`served`, a stamp the store keeps per (name, group); 0 = never served), ties by
 *     group in code point order (the byte order of UTF-8, as SQLite's BINARY, Postgres's "C" collation and
 *     Redis's sorted sets compare);
 *   - round robin: each visit offers the group's best due job (claim order: priority, due time, insertion;
 *     a job waiting behind its dedupe key, rules/dedupe.ts waitsForKey, is not due for this: it is skipped
 *     before the rotation as in the ungrouped claim, and takes no turn or cap),
 *     skipping a group whose jobs taking a slot (claim.ts takesSlot) plus those already offered reach the
 *     name's `groupConcurrency`; rounds go on until `want` jobs are offered or no group has one left.
 *
 * The claim then merges those offers with the ungrouped candidates in claim order and walks them within the
 * per-name allowance and `limit`, as before (claim.ts). The groups whose jobs were taken are stamped as served,
 * in the order of their last job taken in the rotation (servedOrder), with stamps above every stamp of that
 * name: a stamp only orders the groups of one name, so any increasing counter serves.
 *
 * Cost, in the stores: they keep one small row per (name, group) (the stamp, and whether it may have due work),
 * walk only the groups that may have due work in rotation order, and read each group's best jobs with the
 * per-priority seek of the ungrouped claim: proportional to the jobs claimed (plus the groups at their cap,
 * at most one per running job), not to the number of groups or jobs.
 */
import type { JobRecord } from '../store.js';
import { takesSlot } from './claim.js';

/** A group of one name as the rotation sees it. */
export interface RotationGroup<T> {
  group: string;
  /** Rotation stamp: when it was last served (any increasing counter); 0 = never. */
  served: number;
  /** Its jobs taking a slot now (claim.ts takesSlot), counted against groupConcurrency. */
  running: number;
  /**
   * Its due pending jobs that may start, in claim order: not those queued behind another job of their dedupe
   * key (rules/dedupe.ts waitsForKey), which are left out before the rotation, so a waiting job takes no turn
   * and no room under the cap, and a group whose due jobs all wait is not visited.
   */
  due: T[];
  /** The most it may be offered besides the cap (its room in a per-group rate window, rules/rate.ts). */
  limit?: number;
}

/** Compare strings by code point (UTF-8 byte order), not by UTF-16 code unit as `<` does. */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** Rotation order: least recently served first, then by group. */
export function compareRotation(a: { served: number; group: string }, b: { served: number; group: string }): number {
  return a.served - b.served || compareCodePoints(a.group, b.group);
}

/**
 * The jobs a name's rotation offers a claim, in rotation order: round robin over `groups` (sorted here by
 * compareRotation), each turn a group's next due job while it has room under `cap` (groupConcurrency;
 * undefined: none), at most `want` in all.
 */
export function rotation<T>(groups: RotationGroup<T>[], cap: number | undefined, want: number): { job: T; group: string }[] {
  const order = [...groups].sort(compareRotation);
  const next = order.map(() => 0);
  const offered: { job: T; group: string }[] = [];
  for (let progress = true; progress && offered.length < want; ) {
    progress = false;
    for (let i = 0; i < order.length && offered.length < want; i++) {
      const g = order[i]!;
      if (next[i]! >= g.due.length || (cap !== undefined && g.running + next[i]! >= cap) || (g.limit !== undefined && next[i]! >= g.limit)) continue;
      offered.push({ job: g.due[next[i]!]!, group: g.group });
      next[i]!++;
      progress = true;
    }
  }
  return offered;
}

/**
 * The groups served by a claim, in the order their new stamps are given (each above all of the name's
 * stamps, increasing): the groups of `taken` (the grouped jobs taken, in the rotation's order) by the
 * position of their last job taken.
 */
export function servedOrder(taken: readonly string[]): string[] {
  const last = new Map<string, number>();
  taken.forEach((group, i) => last.set(group, i));
  return [...last.entries()].sort((a, b) => a[1] - b[1]).map(([group]) => group);
}

/** Whether a job takes part in a rotation (its name's groups) rather than the ungrouped claim. */
export function isGrouped(job: Pick<JobRecord, 'group'>): job is { group: string } {
  return job.group !== null && job.group !== undefined;
}

/**
 * Upkeep (Store.pruneGroups): what a store keeps per (name, group) (the rotation stamp, whether it may have due
 * work, its rate key's log with `by: 'group'`) is forgotten once the group went away, so a system with a new
 * group per tenant-day does not grow without bound. A group goes away when none of its jobs keepsGroup, and its
 * rate key logged no claim at or after `rateBefore` (a window that may still count it: the caller passes a time
 * at least one rate window back). Stores visit their groups a page at a time, at most `limit` per call, from a
 * cursor of their own (GroupPruneRequest), so a sweep's cost is bounded whatever the number of groups.
 *
 * A group that comes back after it was forgotten starts as a new one: stamp 0, never served. That is not an
 * unfair jump: a stamp grows only when its group is served, so the idle group's old stamp was already below the
 * stamp of every group served while it was away; it would have come first in the rotation all the same, for one
 * turn, after which it is stamped above all like any group served. (Only its order against other groups that
 * were never served, or idle as long, can change: ties go by group, as for new groups.)
 */

/**
 * Whether writing `job` makes its (name, group) known, so that groups' upkeep visits it (and counts it when it
 * forgets it): a grouped job becoming pending, whichever write does it (insert, a retry, a repeat, a release, a
 * recovery, trigger, update, a workflow node released). Every job a claim serves, and so every rotation stamp and
 * rate key, was pending first; a workflow's blocked node joins when it is released. One rule, so that each store
 * forgets (and prune() counts) the same groups.
 */
export function makesGroupKnown(job: Pick<JobRecord, 'status' | 'group'>): boolean {
  return job.status === 'pending' && isGrouped(job);
}

/** Whether a job keeps its (name, group) known: live (pending, blocked, running) or holding a slot (takesSlot). */
export function keepsGroup(job: Pick<JobRecord, 'status' | 'lockedUntil'>, now: number): boolean {
  return job.status === 'pending' || job.status === 'blocked' || takesSlot(job, now);
}

/** Whether a group may be forgotten: no job of it keepsGroup, and its rate key's log is all before `rateBefore`. */
export function forgettable(jobs: Iterable<Pick<JobRecord, 'status' | 'lockedUntil'>>, rateLog: readonly number[], rateBefore: number, now: number): boolean {
  for (const job of jobs) if (keepsGroup(job, now)) return false;
  return rateLog.every((at) => at < rateBefore);
}
