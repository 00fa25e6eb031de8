/**
 * A durable run's entries (StepRecord, rules/steps.ts) as history records, so Scheduler.history shows each
 * step, sleep and wait beside the runs (docs/durable-steps.md). Entries are kept beside the job, not in the
 * history store: they are read with the job's history and merged by time.
 */
import type { StepRecord } from './store.js';
import type { HistoryRecord } from './types.js';

export function stepHistory(jobId: string, step: StepRecord): HistoryRecord {
  const at = new Date(step.at);
  const waiting = step.state === 'waiting';
  const name = step.kind === 'step' ? step.key.slice('step:'.length) : step.key;
  return {
    id: `${jobId}:${step.key}`,
    jobId,
    kind: step.kind,
    step: name,
    ...(step.event !== undefined ? { event: step.event } : {}),
    ...(step.match !== undefined ? { match: step.match } : {}),
    status: waiting ? 'pending' : 'completed',
    attempt: step.attempt,
    startedAt: at,
    completedAt: step.kind === 'sleep' || waiting ? new Date(step.until ?? step.at) : at,
    duration: 0,
    error: null,
    stack: null,
    result: step.kind === 'sleep' ? { until: new Date(step.until ?? step.at).toISOString() } : (step.result ?? null),
    workerId: step.workerId,
  };
}

/** Runs and entries in one list, by start time (a run before the entries it saved when they tie). */
export function mergeHistory(runs: HistoryRecord[], steps: HistoryRecord[]): HistoryRecord[] {
  if (steps.length === 0) return runs;
  const all = [...runs.map((r, i) => ({ r, i, run: 0 })), ...steps.map((r, i) => ({ r, i, run: 1 }))];
  all.sort((a, b) => a.r.startedAt.getTime() - b.r.startedAt.getTime() || a.run - b.run || a.i - b.i);
  return all.map((x) => x.r);
}
