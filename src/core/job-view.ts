/** The public Job (Dates, resolved maxAttempts) from a stored JobRecord. */
import type { JobRecord } from './store.js';
import type { Job } from './types.js';

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

export function toJob<T = unknown>(record: JobRecord, maxAttempts: number): Job<T> {
  return {
    id: record.id,
    name: record.name,
    data: record.data as T,
    status: record.status,
    priority: record.priority,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts ?? maxAttempts,
    // A finished job has no next run.
    nextRunAt: record.status === 'pending' || record.status === 'running' ? new Date(record.nextRunAt) : null,
    lastRunAt: date(record.lastRunAt),
    lastFinishedAt: date(record.lastFinishedAt),
    lastError: record.lastError,
    lastErrorStack: record.lastErrorStack,
    result: record.result,
    repeat: record.repeat,
    key: record.repeatKey,
    dedupeKey: record.dedupeKey,
    dedupeUntil: date(record.dedupeUntil),
    label: record.label,
    dependencies: record.flow?.after ?? null,
    waitingFor: record.waitingFor,
    group: record.group ?? null,
    progress: record.progress,
    backoff: record.backoff,
    timeout: record.timeoutMs,
    lockedBy: record.lockedBy,
    lockedUntil: date(record.lockedUntil),
    createdAt: new Date(record.createdAt),
    updatedAt: new Date(record.updatedAt),
  };
}
