/**
 * Scheduler.groups' report: a name's groups (Store.groupCounts ranked by rules/group-counts.ts) and whether the
 * name is throttled now by the limits this process defines for it. Only the definitions are known here (another
 * process may define a name this one does not: its limits are then null, and nothing is said about throttling).
 */
import type { Definition } from './registry.js';
import { GROUP_COUNT_CAP, rankGroups, type GroupCount } from './rules/group-counts.js';
import type { GroupsReport } from './types.js';

/** What makes a name wait although it has due jobs, as far as this process can tell (GroupsReport.throttled). */
export type ThrottleReason = 'concurrency' | 'groupConcurrency';

export function groupsReport(name: string, rows: readonly GroupCount[], limit: number, running: number, definition: Definition | undefined): GroupsReport {
  const { groups, more } = rankGroups(rows, limit);
  const cap = definition?.groupConcurrency;
  const shown = groups.map((g) => ({ ...g, atCap: cap !== undefined && g.running >= cap }));
  const throttled: ThrottleReason[] = [];
  if (definition?.concurrency !== undefined && running >= definition.concurrency) throttled.push('concurrency');
  // Every group counted, not only those shown: a small group at its cap is still held back.
  if (cap !== undefined && rows.some((g) => g.running >= cap && g.due > 0)) throttled.push('groupConcurrency');
  const rate = definition?.rateLimit;
  return {
    name,
    groups: shown,
    more,
    countCap: GROUP_COUNT_CAP,
    running,
    limits: definition
      ? {
          concurrency: definition.concurrency ?? null,
          groupConcurrency: cap ?? null,
          rateLimit: rate ? { max: rate.max, perMs: rate.perMs, scope: rate.scope, byGroup: rate.byGroup } : null,
        }
      : null,
    throttled,
  };
}
