/** The BullMQ side of the Redis benchmark: the same work through Queue and Worker with its defaults. */
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import type { BenchConfig, BenchResult } from './index.js';

export async function benchBullmq(config: BenchConfig, prefix: string): Promise<BenchResult> {
  const url = new URL(config.url);
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  const queue = new Queue('bench', { connection, prefix });
  const starts = new Map<string, number>();
  let completed = 0;
  let onComplete: (() => void) | null = null;
  const worker = new Worker(
    'bench',
    async (job) => {
      starts.set(job.id!, performance.now());
    },
    { connection, prefix, concurrency: config.concurrency, autorun: false },
  );
  worker.on('completed', () => {
    completed++;
    onComplete?.();
  });
  await queue.waitUntilReady();
  await worker.waitUntilReady();

  const jobs = Array.from({ length: config.jobs }, (_, i) => ({ name: 'noop', data: { i } }));
  let t = performance.now();
  await queue.addBulk(jobs);
  const enqueueMs = performance.now() - t;
  const allDone = new Promise<void>((resolve) => (onComplete = () => completed >= config.jobs && resolve()));
  t = performance.now();
  void worker.run();
  await allDone;
  const processMs = performance.now() - t;
  onComplete = null;

  const latencies: number[] = [];
  for (let i = 0; i < config.latencySamples + 20; i++) {
    const t0 = performance.now();
    const job = await queue.add('ping', { i });
    while (!starts.has(job.id!)) await new Promise((r) => setImmediate(r));
    if (i >= 20) latencies.push(starts.get(job.id!)! - t0);
    await new Promise((r) => setTimeout(r, 2));
  }

  await worker.close();
  await queue.close();
  return { enqueueMs, processMs, latencies };
}
