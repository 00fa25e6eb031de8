/**
 * Fault test: a Scheduler works through a few hundred jobs on PostgreSQL while the real server is restarted
 * (scripts/services.sh restart-postgres, i.e. pg_ctl stop -m fast + start). Every job must complete at least
 * once, none may be lost, and health() must report unhealthy while the server is down.
 * Registered last by postgres.test.ts, so no other test of that file runs while the server is away.
 * Restarting is only possible for the local server that services.sh manages; elsewhere this test skips.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { PG_URL, adminQuery, postgresFactory } from './postgres.factory.js';
import { sleep, waitFor } from './postgres.helpers.js';

const run = promisify(execFile);
const SERVICES = fileURLToPath(new URL('../../scripts/services.sh', import.meta.url));
const local = ['127.0.0.1:5432', 'localhost:5432'].includes(new URL(PG_URL).host);

async function serverAnswers(): Promise<boolean> {
  return adminQuery('SELECT 1').then(
    () => true,
    () => false,
  );
}

export function describePostgresFault(skip: boolean): void {
  describe.skipIf(skip || !local || process.env.HOURGLASS_SKIP_FAULT_TESTS === '1')('PostgresStore under a server restart', () => {
    afterAll(async () => {
      // Never leave the shared server stopped, whatever happened above.
      if (!(await serverAnswers())) await run(SERVICES, ['start']);
    });

    it('completes every job across a restart and reports unhealthy while the server is down', { timeout: 40_000 }, async () => {
      const { store, cleanup } = await postgresFactory.create();
      const scheduler = new Scheduler({ store, concurrency: 10, pollInterval: 100, lockLifetime: 3000, logger: silentLogger });
      const total = 300;
      const completed = new Set<string>();
      let runs = 0;
      scheduler.define('fault', async (job) => {
        runs++;
        await sleep(25);
        completed.add(job.id);
      });
      try {
        const jobs = await scheduler.scheduleBulk(Array.from({ length: total }, (_, i) => ({ name: 'fault', data: { i } })));
        expect(jobs).toHaveLength(total);
        await scheduler.start();
        await waitFor(() => completed.size >= total / 5, 10_000, 'the first fifth of the jobs');

        // Watch health while the server restarts, noting how many jobs were done when it was first seen down.
        // (Not when the restart script returns: after the server is back it still runs psql checks, and on a
        // loaded machine the remaining jobs could all finish in that time.)
        const healthSeen: boolean[] = [];
        let doneAtRestart: number | null = null;
        let restarting = true;
        const watcher = (async () => {
          while (restarting) {
            const healthy = (await scheduler.health()).healthy;
            healthSeen.push(healthy);
            if (!healthy && doneAtRestart === null) doneAtRestart = completed.size;
            await sleep(25);
          }
        })();
        const started = Date.now();
        await run(SERVICES, ['restart-postgres']);
        restarting = false;
        await watcher;

        await waitFor(() => completed.size === total, 20_000, `all ${total} jobs to complete (${completed.size} so far)`);
        await waitFor(async () => (await scheduler.countJobs('fault')).completed === total, 10_000, 'every job completed in the store');
        const counts = await scheduler.countJobs('fault');
        expect(counts).toMatchObject({ pending: 0, running: 0, failed: 0, completed: total });
        expect(healthSeen).toContain(false);
        expect((await scheduler.health()).healthy).toBe(true);
        expect(doneAtRestart ?? total).toBeLessThan(total); // the restart really happened mid-way
        expect(runs).toBeGreaterThanOrEqual(total); // at least once; a run whose outcome was lost runs again
        process.stderr.write(
          `[postgres fault] restart took ${Date.now() - started} ms, ${healthSeen.filter((h) => !h).length}/${healthSeen.length} health checks unhealthy, ${runs - total} re-runs\n`,
        );
      } finally {
        await scheduler.stop({ graceful: false, timeoutMs: 2000 }).catch(() => undefined);
        await store.close().catch(() => undefined);
        if (!(await serverAnswers())) await run(SERVICES, ['start']);
        await cleanup();
      }
    });
  });
}
