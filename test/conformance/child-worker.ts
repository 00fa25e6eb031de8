/**
 * A real worker process for race and crash tests. Usage (run with `node --import tsx`):
 *   child-worker.ts <storeUrl> <mode>
 * Prints one line per event on stdout ("ready", "started <id>", "done <id>") for the parent to follow.
 *   race:  runs 'race' jobs (a few ms each) until SIGTERM, then stops gracefully
 *   crash: runs 'slow' jobs that never finish (the parent SIGKILLs this process mid-job); lock lifetime 1 s
 *   every: calls every('300ms', 'tick') at boot (racing its siblings), runs ticks until SIGTERM, printing each
 *          run's due time ("started <id> <dueMs>")
 *   lease: runs 'long' jobs, each until its signal aborts (at most 30 s), lock lifetime 2 s, printing
 *          "started <id> <epochMs>" and "ended <id> <epochMs>" (for tests that stall its network)
 */
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { exitWithParent } from '../support/exit-with-parent.js';

exitWithParent();

const [url, mode] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);

const scheduler = new Scheduler({
  store: await storeFromUrl(url!),
  pollInterval: 50,
  lockLifetime: mode === 'crash' ? 1000 : mode === 'lease' ? 2000 : 30_000,
  concurrency: 5,
});
scheduler.define('race', async (job) => {
  say(`started ${job.id}`);
  await new Promise((r) => setTimeout(r, 2));
  say(`done ${job.id}`);
});
scheduler.define('slow', async (job) => {
  say(`started ${job.id}`);
  await new Promise(() => undefined);
});
scheduler.define('long', async (job, ctx) => {
  say(`started ${job.id} ${Date.now()}`);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 30_000);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  say(`ended ${job.id} ${Date.now()}`);
});
scheduler.define('tick', async (job) => {
  // A repeating job's nextRunAt, as its handler sees it, is the due time being run.
  say(`started ${job.id} ${job.nextRunAt!.getTime()}`);
});
await scheduler.start();
if (mode === 'every') await scheduler.every('300ms', 'tick');
say('ready');
process.on('SIGTERM', () => {
  void scheduler.stop({ graceful: true, timeoutMs: 5000 }).then(() => process.exit(0));
});
