/**
 * A worker's memory at a big backlog (issue 16, Memory: under 150 MB RSS at a 1M backlog on every store),
 * measured on the built package under plain node (no tsx):
 *   node scripts/build.mjs
 *   node bench/core/worker-memory.mjs --store postgres --backlog 1000000 [--seconds 120] [--concurrency 10]
 * The parent fills a namespace of its own with --backlog no-op jobs through scheduleBulk's streamed form: half
 * due now, half due in an hour. Then a child process (nothing in it but the worker: its RSS is the worker's)
 * runs `new Scheduler({ store, concurrency })` with a no-op handler until the due half is done or --seconds
 * passed, sampling its memory every second: VmRSS, and process.memoryUsage()'s heap and external parts. It
 * reports the peak (VmHWM) and the floor: its RSS with the store open and migrated, before start().
 * With --roots, one child per package root in turn, on the same backlog (each finds what the one before left).
 * The namespace is removed at the end.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Scheduler, silentLogger } from 'hourglass-jobs';
import { MB, namespace, openStore, removeNamespace, round, rss } from './memory-kit.mjs';

const { values } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    backlog: { type: 'string', default: '1000000' },
    seconds: { type: 'string', default: '120' },
    concurrency: { type: 'string', default: '10' },
    // The worker's prefetch (jobs claimed ahead); default: the store's own (Store.defaultPrefetch).
    prefetch: { type: 'string' },
    child: { type: 'string' },
    keep: { type: 'boolean', default: false },
    // Package roots to measure one after the other on the same backlog (each a checkout with dist/ built and
    // this script in bench/core/): before and after a change, on one fill. Default: this package alone.
    roots: { type: 'string' },
    // Flags for the worker's node, e.g. '--heap-prof --heap-prof-dir=.prof' (then bench/core/heap-top.ts).
    'node-flags': { type: 'string', default: '' },
    // Write a sampling allocation profile of the run (every allocation, collected or not) to this directory,
    // for bench/core/heap-top.ts: which functions allocate what V8's young generation has to hold.
    'alloc-prof': { type: 'string' },
  },
});
const kind = values.store;

if (values.child) await child(values.child);
else await parent();

async function parent() {
  const backlog = Number(values.backlog);
  const ns = namespace('worker');
  const t0 = performance.now();
  try {
    const producer = new Scheduler({ store: await openStore(kind, ns), logger: silentLogger });
    const later = Date.now() + 3_600_000;
    // Interleaved (even: due now, odd: due later), so both halves spread over the whole id range.
    const specs = function* () {
      for (let i = 0; i < backlog; i++) yield i % 2 === 0 ? { name: 'noop', data: { i } } : { name: 'noop', data: { i }, runAt: later };
    };
    const filled = await producer.scheduleBulk(specs(), { chunkSize: 5000 });
    await producer.stop();
    const fillSeconds = round((performance.now() - t0) / 1000);
    process.stderr.write(`filled ${filled.stored} in ${fillSeconds} s\n`);
    const here = fileURLToPath(new URL('../..', import.meta.url));
    for (const root of values.roots ? values.roots.split(',') : [here]) {
      const pending = await producerCount(ns);
      const report = await new Promise((resolve, reject) => {
        const worker = fork(join(root, 'bench/core/worker-memory.mjs'), ['--store', kind, '--child', ns, '--seconds', values.seconds, '--concurrency', values.concurrency, '--backlog', String(backlog), ...(values.prefetch ? ['--prefetch', values.prefetch] : []), ...(values['alloc-prof'] ? ['--alloc-prof', values['alloc-prof']] : [])], {
          execArgv: values['node-flags'].split(' ').filter(Boolean),
          cwd: here, // the SQLite file is under this checkout's .tmp/
        });
        worker.on('message', resolve);
        worker.on('error', reject);
        worker.on('exit', (code) => code !== 0 && reject(new Error(`worker exited ${code}`)));
      });
      process.stdout.write(`${JSON.stringify({ store: kind, backlog, root, pendingAtStart: pending, fillSeconds, ...report, at: new Date().toISOString(), load: (await import('node:os')).loadavg().map(round) })}\n`);
    }
  } finally {
    if (!values.keep) await removeNamespace(kind, ns);
  }
}

/** Jobs still pending in `ns` (both halves), as a later worker finds them. */
async function producerCount(ns) {
  const s = new Scheduler({ store: await openStore(kind, ns), logger: silentLogger });
  try {
    return (await s.countJobs('noop', ['pending'])).pending;
  } finally {
    await s.stop();
  }
}

async function child(ns) {
  const due = Math.ceil(Number(values.backlog) / 2);
  const prefetch = values.prefetch ? { prefetch: Number(values.prefetch) } : {};
  const scheduler = new Scheduler({ store: await openStore(kind, ns), concurrency: Number(values.concurrency), logger: silentLogger, ...prefetch });
  let done = 0;
  scheduler.define('noop', async () => {
    done++;
  });
  await scheduler.getStore();
  const floor = rss();
  const samples = [];
  const sample = () => {
    const m = process.memoryUsage();
    // V8's spaces: with a high allocation rate the young generation (new_space) grows to its cap (16 MB a
    // semi-space by default on 64-bit), garbage that is reclaimed but stays resident.
    const space = (name) => MB(getHeapSpaceStatistics().find((x) => x.space_name === name)?.space_size ?? 0);
    samples.push({ t: samples.length, rss: MB(m.rss), heapUsed: MB(m.heapUsed), heapTotal: MB(m.heapTotal), newSpace: space('new_space'), oldSpace: space('old_space'), external: MB(m.external), arrayBuffers: MB(m.arrayBuffers), done });
  };
  const timer = setInterval(sample, 1000);
  const profiler = values['alloc-prof'] ? new Session() : null;
  if (profiler) {
    profiler.connect();
    const post = (method, params) => new Promise((resolve, reject) => profiler.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    profiler.stop = async () => {
      const { profile } = await post('HeapProfiler.stopSampling');
      mkdirSync(values['alloc-prof'], { recursive: true });
      writeFileSync(join(values['alloc-prof'], `worker-${kind}-${process.pid}.heapprofile`), JSON.stringify(profile));
    };
  }
  const t0 = performance.now();
  await scheduler.start();
  const deadline = t0 + Number(values.seconds) * 1000;
  while (done < due && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const seconds = (performance.now() - t0) / 1000;
  sample();
  clearInterval(timer);
  await profiler?.stop();
  await scheduler.stop({ graceful: true, timeoutMs: 5000 });
  const peakOf = (field) => Math.max(...samples.map((s) => s[field]));
  process.send({
    concurrency: Number(values.concurrency), prefetch: values.prefetch ?? 'default', due, ran: done, seconds: round(seconds), jobsPerSecond: Math.round(done / seconds),
    floorRssMB: round(floor.now), peakRssMB: round(rss().peak),
    sampledPeak: { rss: peakOf('rss'), heapUsed: peakOf('heapUsed'), heapTotal: peakOf('heapTotal'), newSpace: peakOf('newSpace'), oldSpace: peakOf('oldSpace'), external: peakOf('external'), arrayBuffers: peakOf('arrayBuffers') },
    last: samples[samples.length - 1], node: process.version,
  });
  process.exit(0);
}
