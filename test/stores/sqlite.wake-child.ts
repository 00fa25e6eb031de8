/**
 * A worker process for sqlite.wake.test.ts. Usage (run with `node --import tsx`): sqlite.wake-child.ts <path>
 * Runs 'ping' with a 60 s poll interval, so a job another process enqueues starts soon only if that process's
 * commit wakes this one. Prints "ready" once started; stops on SIGTERM.
 */
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { exitWithParent } from '../support/exit-with-parent.js';

exitWithParent();

const [path] = process.argv.slice(2);
const scheduler = new Scheduler({ store: new SqliteStore({ path: path! }), pollInterval: '60s', concurrency: 2 });
scheduler.define('ping', async () => Date.now());
await scheduler.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void scheduler.stop({ graceful: true, timeoutMs: 5000 }).then(() => process.exit(0));
});
