/**
 * ctx.step's store calls have the run path's store-call timeout (durable.ts, a third of the shortest lease):
 * with a store whose loadSteps or saveStep never answers, the step rejects with STORE_ERROR within the bound,
 * and a step whose save got no answer fails the run whatever the handler does next. The same on real stores
 * with a frozen network: test/stores/stall-steps.test.ts (PostgreSQL, Redis).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';

/** A MemoryStore whose `method` never answers while `hang.on` is set. */
function hanging(method: 'loadSteps' | 'saveStep', hang: { on: boolean }): Store {
  const store = new MemoryStore();
  return new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === method) return (...args: unknown[]) => (hang.on ? new Promise(() => undefined) : (value as (...a: unknown[]) => unknown).apply(target, args));
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

const LEASE = 600;

describe('ctx.step when the store does not answer', () => {
  it.each(['loadSteps', 'saveStep'] as const)('%s: the step rejects with STORE_ERROR within a third of the lease', async (method) => {
    const hang = { on: true };
    const s = new Scheduler({ store: hanging(method, hang), logger: silentLogger, pollInterval: 20, lockLifetime: LEASE });
    try {
      const seen: unknown[] = [];
      s.define(
        'pay',
        async (_job, ctx) => {
          if (ctx.attempt === 1) {
            const started = Date.now();
            seen.push(await ctx.step('charge', () => 'charged').then(() => 'ok', (e: Error & { code?: string }) => ({ code: e.code, waited: Date.now() - started })));
            hang.on = false;
            // Went on regardless (a later durable call throws the same error after a failed save).
            seen.push(await ctx.step('after', () => 'x').then(() => 'ok', (e: Error & { code?: string }) => e.code));
            return 'went on';
          }
          return ctx.step('charge', () => 'charged again');
        },
        { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
      );
      const job = await s.now('pay');
      await s.start();
      await waitUntil(async () => (await s.getJob(job.id))?.status === 'completed', 10_000, 'the retry to complete');
      expect(seen[0]).toEqual({ code: 'STORE_ERROR', waited: expect.any(Number) });
      expect((seen[0] as { waited: number }).waited).toBeGreaterThanOrEqual(LEASE / 3 - 20);
      expect((seen[0] as { waited: number }).waited).toBeLessThan(LEASE);
      // After a failed load the run may go on (nothing is unknown); after a failed save it may not.
      expect(seen[1]).toBe(method === 'saveStep' ? 'STORE_ERROR' : 'ok');
      // A failed save fails the run whatever the handler returned: the retry completes. A failed load does not.
      const done = (await s.getJob(job.id))!;
      if (method === 'saveStep') expect(done).toMatchObject({ status: 'completed', attempts: 2, result: 'charged again' });
      else expect(done).toMatchObject({ status: 'completed', attempts: 1, result: 'went on' });
    } finally {
      await s.stop({ graceful: false });
    }
  });
});
