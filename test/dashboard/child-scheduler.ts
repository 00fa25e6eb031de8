/**
 * A second scheduler process for the dashboard's processes view. Usage (with `node --import tsx`):
 *   child-scheduler.ts <storeUrl>
 * Defines 'from-child', starts, prints "ready <workerId>", and stops gracefully on SIGTERM.
 */
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { storeFromUrl } from '../../src/core/store-url.js';

const scheduler = new Scheduler({ store: await storeFromUrl(process.argv[2]!), logger: silentLogger, concurrency: 3, pollInterval: 100 });
scheduler.define('from-child', async () => undefined);
await scheduler.start();
process.stdout.write(`ready ${scheduler.workerId}\n`);
process.on('SIGTERM', () => {
  void scheduler.stop({ graceful: true, timeoutMs: 5000 }).then(() => process.exit(0));
});
