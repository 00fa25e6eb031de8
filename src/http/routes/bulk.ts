/**
 * Actions on many jobs or a whole name: POST /jobs/bulk (retry, cancel or delete a list of jobs) and
 * POST /names/:name/pause | resume. Each job of a bulk action is done on its own, as the single-job route does
 * it, and answered on its own: one job that cannot be retried does not stop the others.
 */
import { HourglassError } from '../../core/errors.js';
import type { Scheduler } from '../../core/scheduler.js';
import type { Job } from '../../core/types.js';
import { assertName } from '../../core/validate.js';
import { assertNoQuery, parseBulk, type BulkAction } from '../input.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

/** How many jobs of one bulk action are in flight at once: enough to overlap round trips, not to flood the store. */
const PARALLEL = 8;

export interface BulkResult {
  id: string;
  ok: boolean;
  /** The job's status afterwards (absent once deleted or when unknown). */
  status?: string;
  error?: { code: string; message: string };
}

export function bulkRoutes(router: Router): void {
  router
    .add('POST', '/jobs/bulk', bulk)
    .add('POST', '/names/:name/pause', ({ scheduler, params, query }) => pause(scheduler, params.name!, query, true))
    .add('POST', '/names/:name/resume', ({ scheduler, params, query }) => pause(scheduler, params.name!, query, false));
}

async function bulk({ scheduler, body, query }: RouteContext): Promise<Reply> {
  assertNoQuery(query);
  const { action, ids } = parseBulk(await body());
  const results: BulkResult[] = new Array(ids.length);
  let next = 0;
  const lane = async () => {
    while (next < ids.length) {
      const i = next++;
      results[i] = await one(scheduler, action, ids[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, ids.length) }, lane));
  const done = results.filter((r) => r.ok).length;
  return { status: 200, json: { action, done, failed: results.length - done, results } };
}

async function one(scheduler: Scheduler, action: BulkAction, id: string): Promise<BulkResult> {
  try {
    if (action === 'delete') return (await scheduler.remove(id)) ? { id, ok: true } : notFound(id);
    const before = await scheduler.getJob(id);
    if (!before) return notFound(id);
    const after = action === 'retry' ? await scheduler.trigger(id) : await scheduler.cancel(id);
    if (!after) return notFound(id);
    const refused = refusal(action, before, after);
    return refused ? { id, ok: false, status: after.status, error: { code: 'JOB_STATE', message: refused } } : { id, ok: true, status: after.status };
  } catch (error) {
    // A store failure or a conflict (another live job holds the dedupe key) is this job's answer, not the request's.
    const code = error instanceof HourglassError ? error.code : 'INTERNAL_ERROR';
    if (code === 'INTERNAL_ERROR') scheduler.logger.error({ err: error, id, action }, 'bulk action failed on a job');
    return { id, ok: false, error: { code, message: code === 'INTERNAL_ERROR' ? 'internal error' : (error as Error).message } };
  }
}

/** Why an action left the job as it was, or null when it did what was asked. */
function refusal(action: BulkAction, before: Job, after: Job): string | null {
  if (action === 'retry' && after.status !== 'pending') return `job ${before.id} is ${after.status}: retry it once this run has ended`;
  if (action === 'cancel' && before.status !== 'pending' && before.status !== 'running') return `job ${before.id} is already ${before.status}`;
  return null;
}

function notFound(id: string): BulkResult {
  return { id, ok: false, error: { code: 'JOB_NOT_FOUND', message: `no job with id ${id}` } };
}

async function pause(scheduler: Scheduler, raw: string, query: URLSearchParams, paused: boolean): Promise<Reply> {
  assertNoQuery(query);
  const name = assertName(raw, 'name');
  await (paused ? scheduler.pause(name) : scheduler.resume(name));
  return { status: 200, json: { name, paused } };
}
