/**
 * Groups in the claim (src/core/rules/groups.ts), inside the claim's write transaction.
 *
 * One name's rotation: groups whose wake_at came join the ready ones (group-promote.sql); the ready groups are
 * read in rotation order a page at a time (group-rotation.sql), and each gets its jobs taking a slot counted
 * (group-slots.sql, only under a groupConcurrency) and its first due jobs read in claim order, one seek per
 * priority in use (claim-group-*.sql; not those queued behind their dedupe key, rules/groups.ts), as many as it
 * could be offered. A ready group without due work leaves
 * the rotation until its next due time (group-sleep.sql). The walk stops once round one of the rotation is
 * full (as many groups with room as jobs wanted): core's rotation() then deals the turns. So a claim reads the
 * groups it serves, plus those at their cap (at most one per running job) and those that ran dry since.
 */
import { rotation, servedOrder, type RotationGroup } from '../../core/rules/groups.js';
import type { GroupPruneRequest, GroupPruneResult } from '../../core/store.js';
import type { JobRow } from './rows.js';
import type Database from 'better-sqlite3';

type Prepare = (file: string) => Database.Statement;
export type GroupCandidate = Pick<JobRow, 'id' | 'priority' | 'next_run_at'> & { name: string; group: string; turn: number };

const PAGE = 64;

/** The jobs `name`'s rotation offers (at most `want`), each with its group and turn in the rotation. */
export function offerGroups(
  stmt: Prepare,
  name: string,
  now: number,
  want: number,
  cap: number | undefined,
  /** A group's room in its rate window (rules/rate.ts), when the name has a rate per group. */
  rateRoom?: (grp: string) => number,
): GroupCandidate[] {
  if (want <= 0) return [];
  stmt('group-promote.sql').run({ name, now });
  const groups: RotationGroup<GroupCandidate>[] = [];
  const asleep: { grp: string; wake: number | null }[] = [];
  let after = { served: -1, grp: '' };
  let withRoom = 0;
  pages: for (;;) {
    const page = stmt('group-rotation.sql').all({ name, served: after.served, grp: after.grp, limit: PAGE }) as { grp: string; served: number }[];
    for (const { grp, served } of page) {
      after = { served, grp };
      const running = cap === undefined ? 0 : (stmt('group-slots.sql').pluck().get({ name, grp, now }) as number);
      const limit = rateRoom ? rateRoom(grp) : undefined;
      const room = Math.min(cap === undefined ? want : Math.min(want, cap - running), limit ?? Infinity);
      if (room <= 0) continue;
      const due = dueJobs(stmt, name, grp, now, room);
      if (due.length === 0) {
        asleep.push({ grp, wake: nextDue(stmt, name, grp) });
        continue;
      }
      groups.push({ group: grp, served, running, due: due.map((row) => ({ ...row, name, group: grp, turn: 0 })), ...(limit !== undefined ? { limit } : {}) });
      if (++withRoom >= want) break pages;
    }
    if (page.length < PAGE) break;
  }
  for (const { grp, wake } of asleep) stmt('group-sleep.sql').run({ name, grp, wake_at: wake });
  return rotation(groups, cap, want).map(({ job }, turn) => ({ ...job, turn }));
}

/** Stamp the groups whose jobs were taken (in rotation turn order), each above every stamp so far. */
export function stampServed(stmt: Prepare, taken: GroupCandidate[]): void {
  if (taken.length === 0) return;
  let stamp = stmt('group-stamp.sql').pluck().get() as number;
  const byName = new Map<string, GroupCandidate[]>();
  for (const job of taken) byName.set(job.name, [...(byName.get(job.name) ?? []), job]);
  for (const [name, jobs] of byName) {
    for (const grp of servedOrder(jobs.sort((a, b) => a.turn - b.turn).map((j) => j.group))) stmt('group-served.sql').run({ name, grp, served: ++stamp });
  }
}

/** Names with groups, for a worker with a fallback handler (one seek each). */
export function groupedNames(stmt: Prepare): string[] {
  const names: string[] = [];
  for (let after = ''; ; ) {
    const name = stmt('group-names.sql').pluck().get({ after }) as string | undefined;
    if (name === undefined) return names;
    names.push(name);
    after = name;
  }
}

/** A group's first `limit` due jobs in claim order, one priority at a time (as claim.ts walk()). */
function dueJobs(stmt: Prepare, name: string, grp: string, now: number, limit: number): Pick<JobRow, 'id' | 'priority' | 'next_run_at'>[] {
  const rows: Pick<JobRow, 'id' | 'priority' | 'next_run_at'>[] = [];
  let atMost = Number.MAX_SAFE_INTEGER;
  while (rows.length < limit) {
    const priority = stmt('claim-group-priority.sql').pluck().get({ name, grp, at_most: atMost }) as number | undefined;
    if (priority === undefined) break;
    rows.push(...(stmt('claim-group-level.sql').all({ name, grp, priority, now, limit: limit - rows.length }) as typeof rows));
    atMost = priority - 1;
  }
  return rows;
}

/**
 * A group's earliest pending due time (null: none pending): the first job of each priority in use, counting
 * jobs queued behind their dedupe key (group-next-due.sql), so a group whose due jobs all wait is back in the
 * rotation at the next claim.
 */
function nextDue(stmt: Prepare, name: string, grp: string): number | null {
  let earliest: number | null = null;
  let atMost = Number.MAX_SAFE_INTEGER;
  for (;;) {
    const priority = stmt('claim-group-priority.sql').pluck().get({ name, grp, at_most: atMost }) as number | undefined;
    if (priority === undefined) return earliest;
    const first = stmt('group-next-due.sql').get({ name, grp, priority }) as { next_run_at: number } | undefined;
    if (first && (earliest === null || first.next_run_at < earliest)) earliest = first.next_run_at;
    atMost = priority - 1;
  }
}

/**
 * Groups' upkeep (Store.pruneGroups; rules/groups.ts forgettable), inside one write transaction: a page of
 * hourglass_groups rows after the cursor (JSON of [name, grp]), each checked with index seeks and forgotten when
 * the rule allows. Triggers and claims write these rows in write transactions too, so nothing interleaves.
 */
export function pruneGroupRows(stmt: Prepare, request: GroupPruneRequest): GroupPruneResult {
  const [name, grp] = request.cursor === null ? ['', ''] : (JSON.parse(request.cursor) as [string, string]);
  const page = stmt('group-prune-page.sql').all({ name, grp, limit: Math.max(0, request.limit) }) as { name: string; grp: string }[];
  let forgotten = 0;
  for (const row of page) {
    const keep = stmt('group-prune-keep.sql').pluck().get({ ...row, now: request.now, rate_before: request.rateBefore }) as number;
    if (keep) continue;
    stmt('group-forget.sql').run(row);
    stmt('group-forget-rate.sql').run(row);
    forgotten++;
  }
  const last = page[page.length - 1];
  return { forgotten, next: page.length < request.limit || last === undefined ? null : JSON.stringify([last.name, last.grp]) };
}
