/**
 * Child process of crash.test.ts: registers the crash group on the store at argv[2], runs its query, and
 * hangs once the first batch is stored (its items hang too), so the parent can SIGKILL it between batches.
 */
import { fileURLToPath } from 'node:url';
import * as decorators from '../../src/decorators/index.js';
import { Scheduler, silentLogger, storeFromUrl } from '../../src/index.js';
import { loadFixture } from './compile.js';
import type crashGroup from './fixtures/crash-group.js';

const never = () => new Promise<void>(() => {});
const build = await loadFixture<typeof crashGroup>(fileURLToPath(new URL('./fixtures/crash-group.ts', import.meta.url)), 'standard', 'esbuild');
const Group = build(decorators, {
  async afterBatch(index) {
    process.stdout.write(`stored batch ${index}\n`);
    await never();
  },
  item: never,
});
const scheduler = new Scheduler({ store: await storeFromUrl(process.argv[2]!), lockLifetime: '1s', pollInterval: '100ms', logger: silentLogger });
const registration = await decorators.registerJobs(scheduler, [Group]);
await scheduler.start();
await registration.run('crashy');
process.stdout.write('started\n');
