/** /jobs: create, list (with search), read, update, delete, trigger, cancel, history, wait. Bulk actions: bulk.ts. */
import { JobNotFoundError, UnknownJobNameError } from '../../core/errors.js';
import { DEFAULT_ORDER } from '../../core/rules/query.js';
import type { Scheduler } from '../../core/scheduler.js';
import { JOB_STATUSES, type Job, type JobStatus } from '../../core/types.js';
import { HttpError } from '../errors.js';
import { parseCreateJob, parseHistoryQuery, parseListQuery, parseWaitQuery, parseRequeueFailed, parseUpdateJob, type CreateJobInput } from '../input.js';
import { toHttpJob } from '../job-view.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

export function jobRoutes(router: Router): void {
  router
    .add('POST', '/jobs', createJob)
    .add('POST', '/jobs/requeue-failed', requeueFailed)
    .add('GET', '/jobs', listJobs)
    .add('GET', '/jobs/:id', getJob)
    .add('PUT', '/jobs/:id', updateJob)
    .add('DELETE', '/jobs/:id', deleteJob)
    .add('POST', '/jobs/:id/trigger', triggerJob)
    .add('POST', '/jobs/:id/cancel', cancelJob)
    .add('GET', '/jobs/:id/history', jobHistory)
    .add('GET', '/jobs/:id/wait', waitForJob);
}

async function createJob({ scheduler, body }: RouteContext): Promise<Reply> {
  const raw = await body();
  const input = parseCreateJob(raw, Date.now(), scheduler.timezone);
  // Refuse what no worker here would run, rather than store a job that waits forever.
  if (!scheduler.canRun(input.handler)) {
    const field = (raw as { handler?: unknown }).handler == null ? 'name' : 'handler';
    const error = new UnknownJobNameError(input.handler);
    throw new HttpError(400, error.code, `${field}: ${error.message}`, { field, value: input.handler });
  }
  return { status: 201, json: toHttpJob(await create(scheduler, input)) };
}

function create(scheduler: Scheduler, input: CreateJobInput): Promise<Job> {
  const options = {
    attempts: input.maxAttempts,
    priority: input.priority,
    dedupeKey: input.dedupeKey,
    ...(input.dedupeFor !== undefined ? { dedupeFor: input.dedupeFor } : {}),
    ...(input.replace !== undefined ? { replace: input.replace } : {}),
    ...(input.group !== undefined ? { group: input.group } : {}),
    // The display name, when it is not the handler's: kept on the job as its label.
    ...(input.name !== input.handler ? { label: input.name } : {}),
  };
  if (input.repeat) {
    // One repeating job per display name: the key carries it, so POSTing the same name again updates that
    // job (every() upserts on its key) instead of adding a second schedule.
    const interval = 'cron' in input.repeat ? input.repeat.cron : (input.repeat.every as number);
    return scheduler.every(interval, input.handler, input.data, {
      ...options,
      key: input.name,
      ...('cron' in input.repeat ? { timezone: input.repeat.timezone } : {}),
      ...(input.runAt !== undefined ? { startAt: input.runAt } : {}),
    });
  }
  if (input.runAt !== undefined) return scheduler.schedule(input.runAt, input.handler, input.data, options);
  return scheduler.now(input.handler, input.data, options);
}

/**
 * A page of jobs, newest first or in the order of `?sort=&dir=` (across pages). `total` counts every job matching the filter, except with `q`: a search is a
 * scan the stores do not count, so `total` is null and `more` says whether another page follows (one job past
 * the page is read to know). `?counts=true` adds `counts` by status for the same name (the dashboard's tabs),
 * in the same store call as the total. `?group=` lists one group's jobs (from the group's index): the stores count
 * by name and status, not by group, so a group's page has `total` null and `more` as a search's, and no `counts`.
 */
async function listJobs({ scheduler, query }: RouteContext): Promise<Reply> {
  const filter = parseListQuery(query);
  const grouped = filter.group !== undefined;
  // Pages whose total no count answers: read one job past the page to know whether another follows.
  const search = filter.text !== undefined || grouped;
  const [rows, counts] = await Promise.all([
    scheduler.listJobs({
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.name !== undefined ? { name: filter.name } : {}),
      ...(filter.text !== undefined ? { text: filter.text } : {}),
      ...(grouped ? { group: filter.group } : {}),
      ...(filter.order ? { order: filter.order } : {}),
      limit: search ? filter.limit + 1 : filter.limit,
      offset: filter.offset,
    }),
    // Count only the statuses asked for (unless every count is wanted): finished jobs can be millions.
    (search && !filter.counts) || grouped ? null : scheduler.countJobs(filter.name, filter.counts ? undefined : filter.status),
  ]);
  const jobs = rows.slice(0, filter.limit);
  const statuses = filter.status ?? (JOB_STATUSES as readonly JobStatus[]);
  const total = search || counts === null ? null : statuses.reduce((sum, s) => sum + counts[s], 0);
  const more = total === null ? rows.length > filter.limit : filter.offset + jobs.length < total;
  const json: Record<string, unknown> = { data: jobs.map(toHttpJob), total, more, limit: filter.limit, offset: filter.offset, order: filter.order ?? DEFAULT_ORDER };
  if (filter.counts && counts !== null) json.counts = counts;
  return { status: 200, json };
}

/** The dead-letter queue back to work: failed jobs (of ?name= or a body { name }, else all) run again. */
async function requeueFailed({ scheduler, query, body }: RouteContext): Promise<Reply> {
  const name = parseRequeueFailed(await body(), query);
  return { status: 200, json: { requeued: await scheduler.requeueFailed(name) } };
}

async function getJob({ scheduler, params }: RouteContext): Promise<Reply> {
  return { status: 200, json: toHttpJob(found(await scheduler.getJob(params.id!), params.id!)) };
}

async function updateJob({ scheduler, params, body }: RouteContext): Promise<Reply> {
  const patch = parseUpdateJob(await body(), Date.now(), scheduler.timezone);
  return { status: 200, json: toHttpJob(found(await scheduler.update(params.id!, patch), params.id!)) };
}

/** 204 and no body: the job is gone, there is nothing left to show. */
async function deleteJob({ scheduler, params }: RouteContext): Promise<Reply> {
  if (!(await scheduler.remove(params.id!))) throw new JobNotFoundError(params.id!);
  return { status: 204 };
}

async function triggerJob({ scheduler, params }: RouteContext): Promise<Reply> {
  return { status: 200, json: toHttpJob(found(await scheduler.trigger(params.id!), params.id!)) };
}

async function cancelJob({ scheduler, params }: RouteContext): Promise<Reply> {
  return { status: 200, json: toHttpJob(found(await scheduler.cancel(params.id!), params.id!)) };
}

/**
 * Oldest run first; `duration` is in milliseconds. `?limit=N`: the newest N entries only (a repeating job's
 * history grows with every run). An unknown job is a 404, not an empty list. The job itself comes along
 * (`job`), read anyway for the 404: the dashboard's job view is this one call.
 */
async function jobHistory({ scheduler, params, query }: RouteContext): Promise<Reply> {
  const options = parseHistoryQuery(query);
  const [job, history] = await Promise.all([scheduler.getJob(params.id!), scheduler.history(params.id!, options)]);
  return { status: 200, json: { data: history, job: toHttpJob(found(job, params.id!)) } };
}

/**
 * A long poll (scheduler.waitFor): the job once it has finished (completed, failed or cancelled), or 408
 * WAIT_TIMEOUT with its status once `?timeout=` passed (default 30 s, at most 5 minutes: ask again after that).
 * A client that goes away ends the wait: no reply goes out then.
 */
async function waitForJob({ scheduler, params, query, req }: RouteContext): Promise<Reply> {
  const { timeoutMs } = parseWaitQuery(query);
  const controller = new AbortController();
  // The socket's close, not the request's: a request without a body is "closed" as soon as it has been read.
  const gone = (): void => controller.abort(new HttpError(499, 'CLIENT_GONE', 'the client closed the connection'));
  req.socket.once('close', gone);
  try {
    return { status: 200, json: toHttpJob(await scheduler.waitFor(params.id!, { timeout: timeoutMs, signal: controller.signal })) };
  } finally {
    req.socket.off('close', gone);
  }
}

/** The handler bounds this route by its own timeout plus the usual bound (handler.ts). */
export const WAIT_ROUTE = waitForJob;

function found<T>(value: T | null, id: string): T {
  if (value === null) throw new JobNotFoundError(id);
  return value;
}
