/**
 * At least once across a crash: the process running a @query is SIGKILLed after its first batch is stored
 * and before the next is read. Another process must run the query again and every item must run; items of
 * the first batch still pending are matched (dedupeKey), not stored twice.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import * as decorators from '../../src/decorators/index.js';
import { Scheduler, silentLogger, type Job } from '../../src/index.js';
import type { CreatedStore, StoreFactory } from '../conformance/factory.js';
import { availableSoon, spawnChild, waitUntil } from './helpers.js';
import { postgresFactory } from '../stores/postgres.factory.js';
import { redisFactory } from '../stores/redis.factory.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import { loadFixture } from './compile.js';
import type crashGroup from './fixtures/crash-group.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-group.ts', import.meta.url));

for (const factory of [sqliteFileFactory, postgresFactory, redisFactory] as StoreFactory[]) {
  describe(`@query crash between batches (${factory.kind})`, async () => {
    const { skip } = await availableSoon(factory);
    let created: CreatedStore | null = null;
    let scheduler: Scheduler | null = null;
    let child: ReturnType<typeof spawnChild> | null = null;
    afterEach(async () => {
      // A failed attempt may leave the hanging child alive: it must not outlive the test.
      if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
      child = null;
      await scheduler?.stop({ graceful: false });
      await created?.cleanup();
      created = null;
      scheduler = null;
    });

    // The store fault suites restart the shared Postgres and Redis servers while other files run: a run that
    // meets a restart ("the database system is shutting down") is tried again, on a fresh schema or prefix.
    it.skipIf(skip)('runs every item at least once after the query process dies mid-way', { retry: factory.kind === 'sqlite' ? 0 : 2 }, async () => {
      created = await factory.create();
      // Create the schema before two processes race to.
      await created.store.init({ logger: silentLogger });
      child = spawnChild(fileURLToPath(new URL('./crash-child.ts', import.meta.url)), [created.url]);
      await child.waitFor('stored batch 0');
      child.process.kill('SIGKILL');
      await child.exited;

      const build = await loadFixture<typeof crashGroup>(fixture, 'standard', 'esbuild');
      const processed: number[] = [];
      const Group = build(decorators, { afterBatch: async () => {}, item: async (id) => void processed.push(id) });
      scheduler = new Scheduler({ store: created.store, pollInterval: '100ms', logger: silentLogger });
      await decorators.registerJobs(scheduler, [Group]);
      const itemName = decorators.itemJobName('crashy');
      const counts = await scheduler.countJobs(itemName);
      expect(counts.pending + counts.running).toBe(5); // batch 0, stored before the kill
      // Items wait until the query has run again, whichever lease (the query's or an item's) expires first:
      // then every batch-0 item is still unfinished when the rerun stores it, and must be matched, not doubled.
      await scheduler.pause(itemName);
      await scheduler.start();
      let query: Job | undefined;
      await waitUntil(async () => {
        query = (await scheduler!.listJobs({ name: 'crashy' }))[0];
        return !!query?.lastFinishedAt && query.status === 'pending';
      }, 20_000, 'the query to run again');
      const history = await scheduler.history(query!.id);
      expect(history.map((h) => h.status)).toEqual(['failed', 'completed']); // the lost run, then the rerun
      expect(history[0]!.error).toMatch(/lock expired/);
      expect(history[1]!.result).toEqual({ batches: 3, items: 15 });
      expect(await scheduler.listJobs({ name: itemName, limit: 100 })).toHaveLength(15);
      expect(processed).toEqual([]);

      await scheduler.resume(itemName);
      await waitUntil(async () => (await scheduler!.countJobs(itemName)).completed === 15, 20_000, 'all 15 items');
      expect([...processed].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    });
  });
}
