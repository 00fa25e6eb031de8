/**
 * GET /schedules: the repeating jobs (cron or interval), a page at a time, with their time zone, their next run
 * times, how their last run ended and whether their name is paused: the dashboard's schedules view in one call.
 *
 * One store read of the page (JobQuery.repeating: the stores keep an index of repeating jobs, so this never
 * walks the one-off jobs, however many there are), soonest due first by default (`?sort=&dir=` as GET /jobs;
 * a running job's nextRunAt is its current run's, so it comes first), and one read of the paused names.
 */
import type { JobOrder } from '../../core/store.js';
import { occurrenceAfter } from '../../core/time/repeat.js';
import type { Job, RepeatSpec } from '../../core/types.js';
import { assertNoQuery, pageOf, parseSort } from '../input.js';
import { toHttpJob } from '../job-view.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

/** Next run times shown per schedule. */
export const NEXT_RUNS = 5;
export const DEFAULT_SCHEDULES_LIMIT = 100;
export const MAX_SCHEDULES_LIMIT = 1000;
const DEFAULT_SCHEDULE_ORDER: JobOrder = { by: 'nextRunAt', dir: 'asc' };

export function scheduleRoutes(router: Router): void {
  router.add('GET', '/schedules', listSchedules);
}

async function listSchedules({ scheduler, query }: RouteContext): Promise<Reply> {
  assertNoQuery(query, ['limit', 'offset', 'sort', 'dir']);
  const { limit, offset } = parsePage(query);
  const order = parseSort(query) ?? DEFAULT_SCHEDULE_ORDER;
  // One more than the page: whether another page follows, without counting.
  const [rows, paused] = await Promise.all([scheduler.listJobs({ repeating: true, order, limit: limit + 1, offset }), scheduler.pausedNames()]);
  const now = Date.now();
  const data = rows.slice(0, limit).map((job) => {
    const repeat = job.repeat as RepeatSpec;
    return {
      id: job.id,
      name: job.label ?? job.key ?? job.name,
      handler: job.name,
      status: job.status,
      repeat,
      timezone: 'cron' in repeat ? repeat.timezone : null,
      next: nextRuns(job, repeat, now).map((t) => new Date(t)),
      lastRunAt: job.lastRunAt,
      lastFinishedAt: job.lastFinishedAt,
      // A run that ended sets lastFinishedAt; a failure leaves lastError until the next success clears it.
      lastOutcome: job.lastFinishedAt === null ? null : job.lastError !== null ? 'failed' : 'completed',
      lastError: job.lastError,
      paused: paused.includes(job.name),
      job: toHttpJob(job),
    };
  });
  return { status: 200, json: { data, paused, more: rows.length > limit, limit, offset, order } };
}

function parsePage(query: URLSearchParams): { limit: number; offset: number } {
  return pageOf(query, DEFAULT_SCHEDULES_LIMIT, MAX_SCHEDULES_LIMIT);
}

/**
 * The next NEXT_RUNS due times: a pending job's nextRunAt (a retry's time when it is retrying), then the
 * occurrences after it; a running job's next occurrence after now; a cancelled job has none.
 */
export function nextRuns(job: Job, repeat: RepeatSpec, now: number): number[] {
  if (job.status === 'cancelled') return [];
  const times: number[] = [];
  let t = job.status === 'pending' && job.nextRunAt ? job.nextRunAt.getTime() : occurrenceAfter(repeat, now);
  while (times.length < NEXT_RUNS && t < Number.MAX_SAFE_INTEGER) {
    times.push(t);
    t = occurrenceAfter(repeat, t);
  }
  return times;
}
