/**
 * A real worker process for the multi-tenant tests (tenants.test.ts). Usage (run with `node --import tsx`):
 *   child-groups.ts <storeUrl>
 * Runs 'tenant work' (groupConcurrency 2) until SIGTERM; each run takes a few ms and returns when it started
 * and ended (epoch ms), kept as the job's result, so the parent can tell how many runs of a group overlapped.
 * Also runs 'rated' (rateLimit: 5 per 500 ms, scope 'global'). Prints "ready" once started.
 */
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { exitWithParent } from '../support/exit-with-parent.js';

exitWithParent();

const [url] = process.argv.slice(2);

const scheduler = new Scheduler({ store: await storeFromUrl(url!), pollInterval: 50, concurrency: 8 });
scheduler.define(
  'tenant work',
  async () => {
    const start = Date.now();
    await new Promise((r) => setTimeout(r, 3));
    return { start, end: Date.now() };
  },
  { groupConcurrency: 2 },
);
scheduler.define('rated', async () => Date.now(), { rateLimit: { max: 5, per: '500ms', scope: 'global' } });
await scheduler.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void scheduler.stop({ graceful: true, timeoutMs: 5000 }).then(() => process.exit(0));
});
