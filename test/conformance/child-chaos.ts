/**
 * A worker for chaos.test.ts (run with `node --import tsx`): child-chaos.ts <storeUrl>. Runs 'plain' and
 * 'grouped' jobs (groupConcurrency 1) of a few ms each, the first attempt failing one time in five, and prints
 * "S <id> <pid> <epochMs> <group|->" as a run starts and "E <id> <pid> <epochMs>" as it ends. The parent
 * SIGKILLs it at random.
 */
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import type { Job } from '../../src/core/types.js';
import { exitWithParent } from '../support/exit-with-parent.js';

exitWithParent();
const [url] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
const scheduler = new Scheduler({ store: await storeFromUrl(url!), pollInterval: 100, lockLifetime: 1500, concurrency: 8, logger: silentLogger });
const run = async (job: Job) => {
  say(`S ${job.id} ${process.pid} ${Date.now()} ${job.group ?? '-'}`);
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 40));
  const fail = job.attempts === 1 && Math.random() < 0.2;
  say(`E ${job.id} ${process.pid} ${Date.now()}`);
  if (fail) throw new Error('the first attempt fails');
  return process.pid;
};
// Lost runs are this test's point: no job may fail for having lost its worker too often.
const options = { attempts: 5, backoff: { type: 'fixed' as const, delay: 10 }, maxLostRuns: 1000 };
scheduler.define('plain', run, options);
scheduler.define('grouped', run, { ...options, groupConcurrency: 1 });
await scheduler.start();
say('ready');
