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

  it('gives up on a claim slower than a lease, runs the job without waiting for it, once', async () => {
    // The first claim answers 1.5 s late (lease 1 s): the worker gives up on it at 0.9 s and claims again;
    // once the first claim's lease has ended the job is recovered (a lost-run record) and run, once; the late
    // answer's release is then refused by fencing. The loop was never stuck behind the slow claim.
    class SlowFirstClaim extends MemoryStore {
      private slowed = false;
      slowAnswered = false;
      override async claim(request: Parameters<MemoryStore['claim']>[0]) {
        if (this.slowed) return super.claim(request);
        this.slowed = true;
        const claimed = await super.claim(request);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        this.slowAnswered = true;
        return claimed;
      }
    }
    const store = new SlowFirstClaim();
    await store.insert([{ name: 'once', data: null, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null, repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt: 0, nextRunAt: 0 }], 0);
    const scheduler = new Scheduler({ store, logger: silentLogger, lockLifetime: 1000, pollInterval: 20 });
    let runs = 0;
    scheduler.define('once', async () => {
      runs++;
    });
    await scheduler.start();
    try {
      await waitUntil(async () => (await store.countJobs('once')).completed === 1, 10_000, 'the job to complete');
      // Done while the slow claim had still not answered: the worker did not wait for it.
      expect(store.slowAnswered).toBe(false);
      expect(runs).toBe(1);
      const history = await store.history((await store.listJobs({ limit: 1, offset: 0 }))[0]!.id);
      expect(history.at(-1)!.status).toBe('completed');
      for (const record of history.slice(0, -1)) expect(record.error).toMatch(/lock expired/);
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
