/**
 * Peak memory of scheduleBulk of many jobs, on one store, in a process of its own (issue 16, Memory):
 *   node scripts/build.mjs
 *   node bench/core/bulk-memory.mjs --store sqlite --jobs 1000000 --mode stream [--chunk 1000]
 *   node bench/core/bulk-memory.mjs --store postgres --jobs 100000 --mode array
 * `array`: scheduleBulk(specs) of one array (one atomic store operation, every job's view returned): the
 * specs, the store's batch and the views all live at once. `stream`: scheduleBulk(generator, { chunkSize }):
 * the specs are made as they are read, chunk by chunk, and only counts come back.
 * Prints one JSON line: the RSS before the call (after the store is open and migrated), the peak during it
 * (VmHWM, reset before the call: the kernel's own peak, which also sees a synchronous SQLite transaction that a
 * sampling timer would miss), the peak JS heap sampled every 20 ms, and the time. The jobs are due in an hour,
 * nothing runs them; the namespace (file, schema, key prefix) is removed at the end.
 */
import { parseArgs } from 'node:util';
import { Scheduler, silentLogger } from 'hourglass-jobs';
import { MB, namespace, openStore, removeNamespace, resetPeak, round, rss } from './memory-kit.mjs';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    jobs: { type: 'string', default: '1000000' },
    mode: { type: 'string', default: 'stream' },
    chunk: { type: 'string' },
  },
});
const kind = values.store;
const jobs = Number(values.jobs);
const mode = values.mode;
if (mode !== 'array' && mode !== 'stream') throw new Error('--mode array | stream');
const ns = namespace('bulk');
const runAt = Date.now() + 3_600_000;
const spec = (i) => ({ name: 'noop', data: { i }, runAt });

const scheduler = new Scheduler({ store: await openStore(kind, ns), logger: silentLogger });
try {
  await scheduler.getStore(); // connect and migrate before measuring
  global.gc?.();
  const before = rss();
  const reset = resetPeak();
  let heapPeak = 0;
  const sampler = setInterval(() => (heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed)), 20);
  const t0 = performance.now();
  let result;
  if (mode === 'array') {
    const specs = Array.from({ length: jobs }, (_, i) => spec(i));
    result = { views: (await scheduler.scheduleBulk(specs)).length };
  } else {
    const source = function* () {
      for (let i = 0; i < jobs; i++) yield spec(i);
    };
    result = await scheduler.scheduleBulk(source(), values.chunk ? { chunkSize: Number(values.chunk) } : {});
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const after = rss();
  const stored = await scheduler.queueSize();
  process.stdout.write(
    `${JSON.stringify({
      store: kind, jobs, mode, chunk: values.chunk ?? null, stored, result, seconds: round(seconds), jobsPerSecond: Math.round(jobs / seconds),
      rssBeforeMB: round(before.now), rssPeakMB: round(after.peak), peakAboveBeforeMB: round(after.peak - before.now), peakReset: reset,
      heapPeakMB: MB(heapPeak), node: process.version, at: new Date().toISOString(), load: (await import('node:os')).loadavg().map(round),
    })}\n`,
  );
} finally {
  await scheduler.stop().catch(() => undefined);
  await removeNamespace(kind, ns);
}
