/**
 * Scheduler.groups' report: a name's groups (Store.groupCounts ranked by rules/group-counts.ts) and whether the
 * name is throttled now by the limits this process defines for it. Only the definitions are known here (another
 * process may define a name this one does not: its limits are then null, and nothing is said about throttling).
 */
import type { Definition } from './registry.js';
import { GROUP_COUNT_CAP, rankGroups, type GroupCount } from './rules/group-counts.js';
import type { RateWindow } from './rules/rate.js';
import type { GroupsReport } from './types.js';

/** What makes a name wait although it has due jobs, as far as this process can tell (GroupsReport.throttled). */
export type ThrottleReason = 'concurrency' | 'groupConcurrency' | 'rate';

/** The global rate of a definition, if it has one: the windows live in the store (Store.rateWindow). */
export function globalRate(definition: Definition | undefined): { max: number; perMs: number; byGroup: boolean } | undefined {
  const rate = definition?.rateLimit;
  return rate && rate.scope === 'global' ? { max: rate.max, perMs: rate.perMs, byGroup: rate.byGroup } : undefined;
}

/** A window as reported: full when its claims reach `max`, and then when it has room again. */
function windowState(w: RateWindow, max: number, perMs: number): { used: number; full: boolean; freesAt: Date | null } {
  const full = w.used >= max;
  return { used: w.used, full, freesAt: full && w.oldest !== null ? new Date(w.oldest + perMs) : null };
}

/**
 * `windows`: the rate windows read for the name's global rate (Scheduler.groups): the name's own key, or with
 * `by: 'group'` each shown group's (key: the group).
 */
export function groupsReport(
  name: string,
  rows: readonly GroupCount[],
  limit: number,
  running: number,
  definition: Definition | undefined,
  windows: Map<string, RateWindow> = new Map(),
): GroupsReport {
  const { groups, more } = rankGroups(rows, limit);
  const cap = definition?.groupConcurrency;
  const global = globalRate(definition);
  const shown = groups.map((g) => {
    const w = global?.byGroup ? windows.get(g.group) : undefined;
    return { ...g, atCap: cap !== undefined && g.running >= cap, ...(w && global ? { rate: windowState(w, global.max, global.perMs) } : {}) };
  });
  const throttled: ThrottleReason[] = [];
  if (definition?.concurrency !== undefined && running >= definition.concurrency) throttled.push('concurrency');
  // Every group counted, not only those shown: a small group at its cap is still held back.
  if (cap !== undefined && rows.some((g) => g.running >= cap && g.due > 0)) throttled.push('groupConcurrency');
  const nameWindow = global && !global.byGroup ? windows.get('') : undefined;
  const nameRate = nameWindow && global ? windowState(nameWindow, global.max, global.perMs) : null;
  if (nameRate?.full || shown.some((g) => g.rate?.full && g.due > 0)) throttled.push('rate');
  const rate = definition?.rateLimit;
  return {
    name,
    rate: nameRate,
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
