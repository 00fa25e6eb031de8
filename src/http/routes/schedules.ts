/**
 * GET /schedules: every repeating job (cron or interval), with its time zone, its next run times, how its last
 * run ended and whether its name is paused: the dashboard's schedules view in one call.
 *
 * The stores have no index of repeating jobs, so this reads live and cancelled jobs page by page (newest
 * first) and keeps the repeating ones, reading at most SCAN_LIMIT jobs: `complete: false` says the scan
 * stopped there (a long queue of one-off jobs), and some older schedules may be missing.
 */
import type { Scheduler } from '../../core/scheduler.js';
import { occurrenceAfter } from '../../core/time/repeat.js';
import type { Job, JobStatus, RepeatSpec } from '../../core/types.js';
import { assertNoQuery } from '../input.js';
import { toHttpJob } from '../job-view.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

/** Next run times shown per schedule. */
export const NEXT_RUNS = 5;
/** Most jobs read to find the repeating ones. */
export const SCAN_LIMIT = 20_000;
const PAGE = 1000;
/** A repeating job is pending between runs, running during one, or cancelled (it then repeats no more). */
const STATUSES: JobStatus[] = ['pending', 'running', 'cancelled'];

export function scheduleRoutes(router: Router): void {
  router.add('GET', '/schedules', listSchedules);
}

async function listSchedules({ scheduler, query }: RouteContext): Promise<Reply> {
  assertNoQuery(query);
  const [{ jobs, complete, scanned }, paused] = await Promise.all([repeatingJobs(scheduler), scheduler.pausedNames()]);
  const now = Date.now();
  const data = jobs.map((job) => {
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
  data.sort((a, b) => (a.next[0]?.getTime() ?? Infinity) - (b.next[0]?.getTime() ?? Infinity) || (a.name < b.name ? -1 : 1));
  return { status: 200, json: { data, paused, complete, scanned } };
}

async function repeatingJobs(scheduler: Scheduler): Promise<{ jobs: Job[]; complete: boolean; scanned: number }> {
  const jobs: Job[] = [];
  let scanned = 0;
  for (let offset = 0; ; offset += PAGE) {
    const page = await scheduler.listJobs({ status: STATUSES, limit: PAGE, offset });
    scanned += page.length;
    for (const job of page) if (job.repeat) jobs.push(job);
    if (page.length < PAGE) return { jobs, complete: true, scanned };
    if (scanned >= SCAN_LIMIT) return { jobs, complete: false, scanned };
  }
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
