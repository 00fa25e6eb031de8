/**
 * A real worker process for the durable-steps crash test (durable-steps.ts). Usage (node --import tsx):
 *   child-steps.ts <storeUrl>
 * Enqueues one 'two-steps' job and runs it: its step 'one' completes (printing "one <id>"), then the handler
 * prints "between <id>" and hangs before step 'two', for the parent to SIGKILL. Lock lifetime 1 s.
 */
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';
import { exitWithParent } from '../support/exit-with-parent.js';

exitWithParent();

const [url] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);

const scheduler = new Scheduler({ store: await storeFromUrl(url!), pollInterval: 50, lockLifetime: 1000 });
scheduler.define('two-steps', async (job, ctx) => {
  await ctx.step('one', () => {
    say(`one ${job.id}`);
    return `from child ${job.id}`;
  });
  say(`between ${job.id}`);
  await new Promise(() => undefined);
});
await scheduler.start();
await scheduler.now('two-steps');
