/** The hourglass side of the Redis benchmark, through the public Scheduler API only. */
import { performance } from 'node:perf_hooks';
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { BenchConfig, BenchResult } from './index.js';

export async function benchHourglass(config: BenchConfig, prefix: string): Promise<BenchResult> {
  const scheduler = new Scheduler({
    store: new RedisStore({ url: config.url, prefix }),
    concurrency: config.concurrency,
    logger: silentLogger,
  });
  let completed = 0;
  let onComplete: (() => void) | null = null;
  const starts = new Map<string, number>();
  scheduler.define('noop', async (job) => {
    starts.set(job.id, performance.now());
  });
  scheduler.define('ping', async (job) => {
    starts.set(job.id, performance.now());
  });
  scheduler.on('job:complete', () => {
    completed++;
    onComplete?.();
  });

  // Throughput: enqueue everything first, then start the workers.
  const specs = Array.from({ length: config.jobs }, (_, i) => ({ name: 'noop', data: { i } }));
  let t = performance.now();
  await scheduler.scheduleBulk(specs);
  const enqueueMs = performance.now() - t;
  const allDone = new Promise<void>((resolve) => (onComplete = () => completed >= config.jobs && resolve()));
  t = performance.now();
  await scheduler.start();
  await allDone;
  const processMs = performance.now() - t;
  onComplete = null;

  // Latency, producer in this process (the worker is kicked locally as well as by pub/sub).
  const latencies = await measure(config.latencySamples, starts, (data) => scheduler.now('ping', data));

  // Latency, producer in another Scheduler without workers: the wake-up reaches the worker only by pub/sub.
  const producer = new Scheduler({ store: new RedisStore({ url: config.url, prefix }), logger: silentLogger });
  await producer.countJobs(); // opens the store outside the timed part
  const remoteLatencies = await measure(config.latencySamples, starts, (data) => producer.now('ping', data));
  await producer.stop();

  await scheduler.stop({ graceful: true, timeoutMs: 10_000 });
  return { enqueueMs, processMs, latencies, remoteLatencies };
}

async function measure(samples: number, starts: Map<string, number>, enqueue: (data: { i: number }) => Promise<{ id: string }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples + 20; i++) {
    const t = performance.now();
    const job = await enqueue({ i });
    while (!starts.has(job.id)) await new Promise((r) => setImmediate(r));
    if (i >= 20) out.push(starts.get(job.id)! - t); // the first 20 warm up
    await new Promise((r) => setTimeout(r, 2)); // let the worker go idle again
  }
  return out;
}
