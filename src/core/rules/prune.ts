/**
 * The rules of retention (Store.prune), written once (see claim.ts for how stores use them):
 *   jobs:    for each finished status in FINISHED_STATUSES order with a cutoff, its jobs last changed
 *            (updatedAt) before the cutoff, oldest first (ties by insertion), go with their history, at
 *            most `limit` jobs in all;
 *   history: of the `limit` oldest remaining history records (by insertion), those completed before
 *            `historyBefore` go. Records out of insertion order wait for the ones before them.
 * Pending and running jobs are never touched, nor a finished job that a workflow's dependent still waits for
 * (`kept`: rules/flow.ts heldBack); such a job is passed over and takes no room in `limit`. The jobs are chosen
 * on the state before the prune, then each deleted flow job stops holding back the dependents left (rules/flow.ts
 * pruned: counted down at the request's `now`), so a dependent counted down is still chosen in the same prune if
 * it was a candidate before.
 */
import type { JobRecord, PruneRequest } from '../store.js';
import { FINISHED_STATUSES } from '../types.js';

/** The jobs prune deletes, from all jobs in insertion order. */
export function jobsToPrune<J extends Pick<JobRecord, 'status' | 'updatedAt'>>(
  jobsInInsertionOrder: Iterable<J>,
  request: PruneRequest,
  kept: (job: J) => boolean = () => false,
): J[] {
  const limit = Math.max(0, Math.floor(request.limit));
  const chosen: J[] = [];
  const all = [...jobsInInsertionOrder];
  for (const status of FINISHED_STATUSES) {
    const before = request.finishedBefore[status];
    if (before === undefined || chosen.length >= limit) continue;
    const candidates = all.filter((j) => j.status === status && j.updatedAt < before && !kept(j));
    // A stable sort keeps insertion order among equal times.
    candidates.sort((a, b) => a.updatedAt - b.updatedAt);
    chosen.push(...candidates.slice(0, limit - chosen.length));
  }
  return chosen;
}

/** The history records prune deletes on their own, from the records left, in insertion order. */
export function historyToPrune<H extends { completedAt: number }>(historyInInsertionOrder: readonly H[], request: PruneRequest): H[] {
  const limit = Math.max(0, Math.floor(request.limit));
  if (request.historyBefore === null || limit === 0) return [];
  const before = request.historyBefore;
  return historyInInsertionOrder.slice(0, limit).filter((h) => h.completedAt < before);
}
