/** /jobs/runner: start or stop this process's workers. The store stays open, so the API keeps working either way. */
import type { Scheduler } from '../../core/scheduler.js';
import { parseStopRunner } from '../input.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

export function runnerRoutes(router: Router): void {
  router
    .add('GET', '/jobs/runner', async ({ scheduler }) => runnerState(scheduler))
    .add('POST', '/jobs/runner/start', startRunner)
    .add('POST', '/jobs/runner/stop', stopRunner);
}

async function startRunner({ scheduler }: RouteContext): Promise<Reply> {
  await scheduler.startWorkers();
  return runnerState(scheduler);
}

/**
 * Answers once the workers have stopped: running jobs get `timeoutMs` (default 30 s) to finish, then their
 * signals abort. Body (optional): `{ graceful?: boolean, timeoutMs?: number }`.
 */
export const STOP_ROUTE = stopRunner;

async function stopRunner({ scheduler, body }: RouteContext): Promise<Reply> {
  const options = parseStopRunner(await body());
  await scheduler.stopWorkers(options);
  return runnerState(scheduler);
}

function runnerState(scheduler: Scheduler): Reply {
  return { status: 200, json: { running: scheduler.workersRunning, activeJobs: scheduler.runningCount, workerId: scheduler.workerId } };
}
