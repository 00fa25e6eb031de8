/**
 * GET /stats: everything the dashboard's overview shows, in one call (counts by status and by name, the
 * oldest waiting job, the last hour's activity, the processes and this process's runner), and GET /activity:
 * the last hour by minute and name on its own (Scheduler.activity()).
 *
 * Cost of one /stats: one count by status, one per name (at most MAX_NAMES), one read of the paused names, one
 * of the process registry, and one pending job (the one due earliest) for the oldest waiting one; and per name
 * its groups (Scheduler.groups: one bounded read, rules/group-counts.ts, and a count of its running jobs).
 */
import { PROCESS_SILENT_MS } from '../../core/processes.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { GroupsReport, JobStatus } from '../../core/types.js';
import { assertNoQuery } from '../input.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

/** Names counted one by one, at most. */
export const MAX_NAMES = 50;
/** Groups shown per name on the overview (the biggest; the rest as "and K more"). */
export const OVERVIEW_GROUPS = 3;

export function overviewRoutes(router: Router): void {
  router
    .add('GET', '/stats', stats)
    .add('GET', '/activity', async ({ scheduler, query }) => {
      assertNoQuery(query);
      return { status: 200, json: await scheduler.activity() };
    });
}

async function stats({ scheduler, query }: RouteContext): Promise<Reply> {
  assertNoQuery(query);
  const [paused, activity, processes, shared] = await Promise.all([
    scheduler.pausedNames(),
    scheduler.activity(),
    scheduler.processes(),
    scheduler.processesShared(),
  ]);
  const now = Date.now();
  const known = new Set<string>(scheduler.definedNames());
  for (const name of paused) known.add(name);
  for (const n of activity.names) known.add(n.name);
  for (const p of processes) if (p.stoppedAt === null) for (const name of p.names ?? []) known.add(name);
  const names = [...known].sort().slice(0, MAX_NAMES);
  // Totals and each name's counts in one read where the store can (Store.countJobsByName).
  const [{ all: counts, byName: perName }, oldest, groups] = await Promise.all([
    scheduler.countJobsByName(names),
    oldestWaiting(scheduler, now),
    Promise.all(names.map((name) => scheduler.groups(name, { limit: OVERVIEW_GROUPS }))),
  ]);
  const lastHour = new Map(activity.names.map((n) => [n.name, n]));
  const live = processes.filter((p) => p.stoppedAt === null && now - p.lastSeenAt.getTime() <= PROCESS_SILENT_MS);
  return {
    status: 200,
    json: {
      now: new Date(now),
      counts,
      total: sum(counts),
      oldestWaiting: oldest,
      names: names.map((name, i) => {
        const hour = lastHour.get(name);
        return {
          name,
          counts: perName[i],
          paused: paused.includes(name),
          groups: overviewGroups(groups[i]!),
          lastHour: hour ? { completed: hour.completed, failed: hour.failed, retried: hour.retried, p50Ms: hour.p50Ms, p95Ms: hour.p95Ms } : { completed: 0, failed: 0, retried: 0, p50Ms: null, p95Ms: null },
        };
      }),
      namesTruncated: known.size > MAX_NAMES,
      paused,
      activity,
      processes: {
        shared,
        live: live.length,
        total: processes.length,
        busy: live.reduce((n, p) => n + p.running, 0),
        slots: live.reduce((n, p) => n + p.concurrency, 0),
      },
      runner: { running: scheduler.workersRunning, activeJobs: scheduler.runningCount, workerId: scheduler.workerId },
    },
  };
}

/** A name's groups as the overview shows them (GET /groups has the whole report). */
function overviewGroups(report: GroupsReport) {
  return { top: report.groups, more: report.more, countCap: report.countCap, limits: report.limits, rate: report.rate, throttled: report.throttled };
}

/**
 * The pending job that has been due the longest: the pending job with the earliest nextRunAt, if that time has
 * come. One store read of one job, answered from the claim indexes (a seek per distinct priority), whatever the
 * queue's length (rules/query.ts JOB_ORDER_FIELDS).
 */
async function oldestWaiting(scheduler: Scheduler, now: number) {
  const [oldest] = await scheduler.listJobs({ status: 'pending', order: { by: 'nextRunAt', dir: 'asc' }, limit: 1 });
  const due = oldest?.nextRunAt?.getTime();
  if (!oldest || due === undefined || due > now) return null;
  return { id: oldest.id, name: oldest.label ?? oldest.key ?? oldest.name, handler: oldest.name, dueAt: oldest.nextRunAt, ageMs: now - due };
}

function sum(counts: Record<JobStatus, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
