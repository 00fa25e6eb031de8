/**
 * The operator's view of a name's groups (Store.groupCounts, Scheduler.groups, the dashboard): per group, its due
 * jobs (pending, nextRunAt <= now) and its running ones, biggest first. Written once here; every store answers
 * the same rows, each bounded so a page load never counts a tenant's million jobs:
 * - a group's due count stops at GROUP_COUNT_CAP (shown as "1,000+"): one index range per group, read at most
 *   that far (SQL: the claim's per-group index; Redis: ZCARD of the group's ready set);
 * - at most GROUP_SCAN groups of a name are looked at, the first in byte order among those that may have due
 *   work (the rotation's rows: SQL groups table, Redis P:groups:<name>) or run now. Past that many, the answer
 *   holds the first GROUP_SCAN by group, not necessarily the biggest (documented, not hidden: `scanned`).
 */
import type { GroupCount, JobRecord } from '../store.js';
import { compareText } from './query.js';

export type { GroupCount } from '../store.js';

/** A group's due count stops here: counting is one index range per group, never more than this far. */
export const GROUP_COUNT_CAP = 1000;
/** Groups of one name looked at per call, at most (the first in byte order). */
export const GROUP_SCAN = 500;

/** Whether a job counts, and as what: due, running, or neither. */
export function countedAs(job: Pick<JobRecord, 'status' | 'nextRunAt'>, now: number): 'due' | 'running' | null {
  if (job.status === 'running') return 'running';
  if (job.status === 'pending' && job.nextRunAt <= now) return 'due';
  return null;
}

/**
 * What a store answers from the rows it counted: groups with something due or running, in byte order of the group
 * (compareText), at most GROUP_SCAN, due capped at GROUP_COUNT_CAP.
 */
export function groupCountRows(rows: Iterable<GroupCount>): GroupCount[] {
  return [...rows]
    .filter((r) => r.due > 0 || r.running > 0)
    .map((r) => ({ group: r.group, due: Math.min(r.due, GROUP_COUNT_CAP), running: r.running }))
    .sort((a, b) => compareText(a.group, b.group))
    .slice(0, GROUP_SCAN);
}

/** The model's answer: every job of the name, counted by group. */
export function groupCountsOf(jobs: Iterable<JobRecord>, name: string, now: number): GroupCount[] {
  const byGroup = new Map<string, GroupCount>();
  for (const job of jobs) {
    if (job.name !== name || job.group === null) continue;
    const as = countedAs(job, now);
    if (as === null) continue;
    const row = byGroup.get(job.group) ?? { group: job.group, due: 0, running: 0 };
    row[as] += 1;
    byGroup.set(job.group, row);
  }
  return groupCountRows(byGroup.values());
}

/** Biggest first (due + running, then running, then group in byte order), the first `limit`, and how many more. */
export function rankGroups(rows: readonly GroupCount[], limit: number): { groups: GroupCount[]; more: number } {
  const ranked = [...rows].sort((a, b) => b.due + b.running - (a.due + a.running) || b.running - a.running || compareText(a.group, b.group));
  return { groups: ranked.slice(0, limit), more: Math.max(0, ranked.length - limit) };
}
