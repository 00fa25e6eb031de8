/**
 * Many schedulers in one real process, for the dedupe race tests (dedupe-race.test.ts). Usage (run with
 * `node --import tsx`): child-schedulers.ts <storeUrl> <schedulers>
 * Each scheduler opens its own store (its own connection, as a separate process would). The first also runs
 * workers for 'sync', a job that takes 40 ms, printing "run <id> <data JSON> <startMs> <endMs>" when it ends
 * (times from performance.timeOrigin + performance.now(): sub-millisecond, one clock for every process).
 * Reads commands on stdin, one JSON object a line: { storm, calls, options } makes every scheduler at once call
 * schedule({ name: 'sync', data: { storm, child, scheduler, call }, ...options }) `calls` times in a row; then it prints
 * "ids <storm> <JSON array of the returned job ids>". "ready" once every scheduler is up.
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { Scheduler } from '../../src/core/scheduler.js';
import { storeFromUrl } from '../../src/core/store-url.js';

const [url, count] = process.argv.slice(2);
const say = (line: string) => process.stdout.write(`${line}\n`);
const clock = () => performance.timeOrigin + performance.now();

const schedulers: Scheduler[] = [];
for (let i = 0; i < Number(count); i++) {
  schedulers.push(new Scheduler({ store: await storeFromUrl(url!), pollInterval: 20, concurrency: 5 }));
}
const worker = schedulers[0]!;
worker.define('sync', async (job) => {
  const start = clock();
  await new Promise((r) => setTimeout(r, 40));
  say(`run ${job.id} ${JSON.stringify(job.data)} ${start} ${clock()}`);
});
await worker.start();
// Every scheduler connects before the first command, so a storm is not slowed by connecting.
await Promise.all(schedulers.map((s) => s.getJob('0')));
say('ready');

function stop(): void {
  void Promise.all(schedulers.map((s) => s.close())).then(() => process.exit(0));
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const command = JSON.parse(line) as { storm: string; calls: number; options: Record<string, unknown> };
  void Promise.all(
    schedulers.map(async (s, scheduler) => {
      const ids: string[] = [];
      for (let call = 0; call < command.calls; call++) {
        const data = { storm: command.storm, child: process.pid, scheduler, call };
        ids.push((await s.schedule({ name: 'sync', data, ...command.options })).id);
      }
      return ids;
    }),
  ).then((all) => say(`ids ${command.storm} ${JSON.stringify(all.flat())}`));
})
  // The test's end of the pipe closed: it is gone (a failed afterAll, a killed run), so nobody stops us.
  .on('close', stop);
process.on('SIGTERM', stop);
