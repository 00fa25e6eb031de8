/** Small builders shared by the Redis-specific rule tests. */
import type { ClaimRequest, NewJob } from '../../src/core/store.js';

export const T0 = 1_800_000_000_000;

export function newJob(name: string, over: Partial<NewJob> = {}): NewJob {
  return {
    name, data: { n: 1 }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null,
    repeatKey: null, dedupeKey: null, label: null, dueAt: T0, nextRunAt: T0, ...over,
  };
}

export function claimRequest(now: number, lockToken: string, over: Partial<ClaimRequest> = {}): ClaimRequest {
  return { now, workerId: 'w1', lockToken, limit: 10, names: null, limits: [], lockLifetimeMs: 60_000, ...over };
}
