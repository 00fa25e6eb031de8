/**
 * Lease discipline in one process: when renewals stop coming back (the store hangs), the worker aborts the run
 * as lost before its lease ends by its own clock, and drops its outcome; nothing is settled late. The network
 * stall between real processes and servers is test/stores/stall.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { Settlement } from '../../src/core/store.js';
import { leaseMargin } from '../../src/core/worker.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';

/** A store whose heartbeats never answer, and which remembers every settle it is asked for. */
class HangingHeartbeats extends MemoryStore {
  settles: Settlement[] = [];
  override heartbeat(): Promise<never> {
    return new Promise(() => undefined);
  }
  override settle(settlements: Settlement[]): Promise<boolean[]> {
    this.settles.push(...settlements);
    return super.settle(settlements);
  }
}

describe('lease watch', () => {
  it('aborts a run as lost before its lease ends when renewals do not come back, and settles nothing', async () => {
    const store = new HangingHeartbeats();
    const scheduler = new Scheduler({ store, logger: silentLogger, lockLifetime: 1000, pollInterval: 20 });
    let aborted: { at: number; code: string } | null = null;
    let lockedUntil = 0;
    scheduler.define('long', async (job, ctx) => {
      lockedUntil = job.lockedUntil!.getTime();
      await new Promise<void>((resolve) =>
        ctx.signal.addEventListener('abort', () => {
          aborted = { at: Date.now(), code: (ctx.signal.reason as { code: string }).code };
          resolve();
        }),
      );
    });
    await scheduler.start();
    try {
      await scheduler.now('long', null);
      await waitUntil(() => aborted !== null, 5000, 'the run to be aborted');
      expect(aborted!.code).toBe('LEASE_LOST');
      // By our clock, before the lease ends (less the margin, give or take a check interval).
      expect(aborted!.at).toBeLessThan(lockedUntil);
      expect(aborted!.at).toBeGreaterThanOrEqual(lockedUntil - leaseMargin(1000) - 100);
      // Its outcome is dropped: the job is the next owner's to settle.
      await new Promise((resolve) => setImmediate(resolve));
      expect(store.settles).toEqual([]);
    } finally {
      await scheduler.close();
    }
  });

  it('keeps the margin between 100 ms and 5 s, a tenth of the lifetime between', () => {
    expect(leaseMargin(500)).toBe(100);
    expect(leaseMargin(30_000)).toBe(3000);
    expect(leaseMargin(600_000)).toBe(5000);
  });
});
