/**
 * GET /processes: every scheduler process sharing the store (Scheduler.processes()), each with its state
 * (running, silent: no heartbeat for PROCESS_SILENT_MS, stopped), and this process's runner. With a store that
 * keeps no process registry the answer lists this process only, and says so (`shared: false`, `note`).
 */
import { PROCESS_HEARTBEAT_MS, PROCESS_SILENT_MS, type ProcessInfo } from '../../core/processes.js';
import { assertNoQuery } from '../input.js';
import type { Reply } from '../response.js';
import type { RouteContext, Router } from '../router.js';

export function processRoutes(router: Router): void {
  router.add('GET', '/processes', listProcesses);
}

export type ProcessState = 'running' | 'silent' | 'stopped';

export function processState(p: ProcessInfo, now: number): ProcessState {
  if (p.stoppedAt !== null) return 'stopped';
  return now - p.lastSeenAt.getTime() > PROCESS_SILENT_MS ? 'silent' : 'running';
}

async function listProcesses({ scheduler, query }: RouteContext): Promise<Reply> {
  assertNoQuery(query);
  const [processes, shared] = await Promise.all([scheduler.processes(), scheduler.processesShared()]);
  const now = Date.now();
  const json: Record<string, unknown> = {
    data: processes.map((p) => ({ ...p, state: processState(p, now), self: p.id === scheduler.workerId })),
    shared,
    heartbeatMs: PROCESS_HEARTBEAT_MS,
    silentAfterMs: PROCESS_SILENT_MS,
    runner: { running: scheduler.workersRunning, activeJobs: scheduler.runningCount, workerId: scheduler.workerId },
  };
  if (!shared) json.note = 'this store keeps no process registry yet: only this process is listed';
  return { status: 200, json };
}
