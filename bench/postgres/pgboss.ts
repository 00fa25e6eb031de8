/**
 * pg-boss 10. One worker fetching batches of 10 (concurrency 10). pg-boss waits at least 0.5 s between
 * fetches (its minimum polling interval) even when work is waiting, which caps such a worker at 20 jobs/s;
 * to measure its engine rather than that pause, the handler calls boss.notifyWorker(id) (public API) so the
 * next fetch starts at once. That is the most favourable setting we found for pg-boss at concurrency 10.
 */
import PgBoss from 'pg-boss';
import { CONCURRENCY, JOBS, PG_URL, dropSchema, measureLatency, until, type Latency, type Throughput } from './common.js';

const SCHEMA = 'bench_pgboss';

async function boot(): Promise<PgBoss> {
  await dropSchema(SCHEMA);
  const boss = new PgBoss({ connectionString: PG_URL, schema: SCHEMA, max: CONCURRENCY + 2 });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue('noop');
  return boss;
}

export async function throughput(): Promise<Throughput> {
  const boss = await boot();
  try {
    const t0 = performance.now();
    await boss.insert(Array.from({ length: JOBS }, (_, i) => ({ name: 'noop', data: { i } })));
    const enqueueMs = performance.now() - t0;
    let done = 0;
    let workerId: string | null = null;
    const t1 = performance.now();
    workerId = await boss.work('noop', { batchSize: CONCURRENCY }, async (jobs) => {
      await Promise.all(jobs.map(async () => undefined));
      done += jobs.length;
      if (workerId) boss.notifyWorker(workerId);
    });
    await until(() => done >= JOBS, 600_000, 'pg-boss to finish');
    const processMs = performance.now() - t1;
    return { contender: 'pg-boss 10', config: 'work(batchSize 10) + notifyWorker', enqueueMs, processMs };
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 2000 });
    await dropSchema(SCHEMA);
  }
}

export async function latency(samples: number): Promise<Latency[]> {
  const boss = await boot();
  const waiting = new Map<number, () => void>();
  let n = 0;
  try {
    await boss.work('noop', { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => waiting.get((job!.data as { n: number }).n)?.());
    const result = await measureLatency(samples, (onStart) => {
      const key = n++;
      waiting.set(key, onStart);
      return boss.send('noop', { n: key });
    });
    return [{ contender: 'pg-boss 10', mode: 'same process, 0.5 s poll (its minimum)', samples: result }];
  } finally {
    await boss.stop({ graceful: false, wait: true, timeout: 2000 });
    await dropSchema(SCHEMA);
  }
}
