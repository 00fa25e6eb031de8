/**
 * A fan-out + fan-in of 10,000 (root → 10,000 nodes → one sink) inserts and settles in time linear in the graph,
 * on every store: the same graph at 1,000 and 10,000 nodes, the larger may take at most 40 times the smaller
 * (linear is 10; a settle that scanned the sink's 10,000 dependencies each time would be 100). The timings are
 * printed (docs/workflows.md quotes them). Through the Store API (claim + settle in batches of 500), so they are
 * the store's cost, not a handler's.
 */
import { describe, expect, it } from 'vitest';
import { flowJobs } from '../../src/core/flow.js';
import { silentLogger } from '../../src/core/logger.js';
import { decide } from '../../src/core/outcome.js';
import type { Store } from '../../src/core/store.js';
import { availability, type StoreFactory } from '../conformance/factory.js';
import { memoryFactory } from './memory.factory.js';
import { postgresFactory } from './postgres.factory.js';
import { redisFactory } from './redis.factory.js';
import { sqliteFileFactory } from './sqlite.factory.js';

const ctx = { now: 0, timezone: 'UTC', defaultPriority: () => 0, defaultMaxAttempts: () => 1 };
const POLICY = { maxAttempts: 1, backoff: { type: 'fixed' as const, delay: 0 }, saveResult: true };

async function fanOutFanIn(store: Store, width: number): Promise<{ insertMs: number; drainMs: number }> {
  const now = Date.now();
  const nodes = [
    { key: 'root', name: 'n' },
    ...Array.from({ length: width }, (_, i) => ({ key: `m${i}`, name: 'n', data: i, after: ['root'] })),
    { key: 'sink', name: 'n', after: Array.from({ length: width }, (_, i) => `m${i}`) },
  ];
  const jobs = flowJobs(nodes, 'nodes', { ...ctx, now });
  let t = performance.now();
  const inserted = await store.insertFlow(jobs, now);
  const insertMs = performance.now() - t;
  const sink = inserted[inserted.length - 1]!.job.id;
  t = performance.now();
  let token = 0;
  for (;;) {
    const at = Date.now();
    const claimed = await store.claim({ now: at, workerId: 'w', lockToken: `t${token++}`, limit: 500, names: null, limits: [], lockLifetimeMs: 60_000 });
    if (claimed.length === 0) break;
    await store.settle(claimed.map((job) => decide(job, { kind: 'success', result: job.data }, POLICY, at, at, 'w').settlement));
  }
  const drainMs = performance.now() - t;
  expect((await store.getJob(sink))!.status).toBe('completed');
  return { insertMs, drainMs };
}

for (const factory of [memoryFactory, sqliteFileFactory, postgresFactory, redisFactory] as StoreFactory[]) {
  const { skip } = await availability(factory);
  describe.skipIf(skip || factory.kind === 'memory')(`${factory.kind}: a 10,000-node fan-out + fan-in`, () => {
    it('inserts and settles in time linear in the graph', async () => {
      const results: Record<number, { insertMs: number; drainMs: number }> = {};
      for (const width of [1_000, 10_000]) {
        const created = await factory.create();
        await created.store.init({ logger: silentLogger });
        try {
          results[width] = await fanOutFanIn(created.store, width);
        } finally {
          await created.store.close();
          await created.cleanup();
        }
      }
      const fmt = (r: { insertMs: number; drainMs: number }) => `insert ${r.insertMs.toFixed(0)} ms, run ${r.drainMs.toFixed(0)} ms`;
      console.log(`[flow-scale] ${factory.kind}: 1,000 wide: ${fmt(results[1_000]!)}; 10,000 wide: ${fmt(results[10_000]!)}`);
      const total = (r: { insertMs: number; drainMs: number }) => r.insertMs + r.drainMs;
      expect(total(results[10_000]!) / Math.max(total(results[1_000]!), 50)).toBeLessThan(40);
    }, 600_000);
  });
}
