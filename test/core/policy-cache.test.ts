/**
 * A worker caches each name's run policy (Worker.policyOf). With a fallback handler it may meet any number of
 * names over its life (one per tenant, say), so the cache is bounded: past POLICY_CACHE_NAMES it starts over, and
 * every job still runs under its own name's policy.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { POLICY_CACHE_NAMES } from '../../src/core/worker.js';
import { MemoryStore } from '../../src/stores/memory/index.js';

describe('run policies of many names', () => {
  it('stay bounded in number, and each job runs under its own name\'s policy', async () => {
    const names = POLICY_CACHE_NAMES + 300;
    let ran = 0;
    let allRan!: () => void;
    const done = new Promise<void>((resolve) => (allRan = resolve));
    const total = names + 2; // and 'flaky' twice: it fails once, then its own attempts: 2 retry it
    const count = () => {
      if (++ran === total) allRan();
    };
    const scheduler = new Scheduler({
      store: new MemoryStore(),
      logger: silentLogger,
      concurrency: 20,
      handler: async () => count(),
      defaults: { attempts: 1 },
    });
    let flakyRuns = 0;
    scheduler.define('flaky', async () => {
      count();
      if (++flakyRuns === 1) throw new Error('first run fails');
    }, { attempts: 2, backoff: { type: 'fixed', delay: 1 } });
    // 'flaky' goes in after the cache has filled with tenant names, so its policy is looked up after a start-over.
    await scheduler.scheduleBulk(Array.from({ length: names }, (_, i) => ({ name: `tenant-${i}` })));
    await scheduler.start();
    // The cache's size after every entry written (no timer sampling it: each write is seen).
    const policies = (scheduler as unknown as { worker: { policies: Map<string, unknown> } }).worker.policies;
    let largest = 0;
    const set = policies.set.bind(policies);
    policies.set = (key, value) => {
      set(key, value);
      largest = Math.max(largest, policies.size);
      return policies;
    };
    await scheduler.now('flaky');
    await done;
    await scheduler.stop();
    expect(ran).toBe(total);
    expect(flakyRuns).toBe(2);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThanOrEqual(POLICY_CACHE_NAMES);
    expect((await scheduler.countJobs()).completed).toBe(names + 1);
  });
});
