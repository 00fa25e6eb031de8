/** hourglass/postgres through the public Scheduler API. */
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { PostgresStore } from '../../src/stores/postgres/index.js';
import { CONCURRENCY, JOBS, LATENCY_SAMPLES, PG_URL, dropSchema, measureLatency, until, type Latency, type Throughput } from './common.js';

const SCHEMA = 'bench_hourglass';

/** `prefetch` undefined: the Scheduler's default (claims ahead up to 10 × concurrency while jobs are short). */
export async function throughput(prefetch?: number): Promise<Throughput> {
  await dropSchema(SCHEMA);
  const store = new PostgresStore({ connectionString: PG_URL, schema: SCHEMA });
  const scheduler = new Scheduler({ store, concurrency: CONCURRENCY, logger: silentLogger, ...(prefetch === undefined ? {} : { prefetch }) });
  let done = 0;
  scheduler.define('noop', async () => undefined);
  scheduler.on('job:complete', () => done++);
  try {
    await scheduler.getStore(); // connect and migrate outside the timings
    const t0 = performance.now();
    await scheduler.scheduleBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'noop', data: { i } })));
    const enqueueMs = performance.now() - t0;
    const t1 = performance.now();
    await scheduler.start();
    await until(() => done >= JOBS, 600_000, 'hourglass to finish');
    const processMs = performance.now() - t1;
    const config = `Scheduler concurrency ${CONCURRENCY}${prefetch === undefined ? ', defaults' : `, prefetch ${prefetch}`}`;
    return { contender: 'hourglass', config, enqueueMs, processMs };
  } finally {
    await scheduler.stop({ graceful: false, timeoutMs: 1000 });
    await store.close();
    await dropSchema(SCHEMA);
  }
}

export async function latency(): Promise<Latency[]> {
  await dropSchema(SCHEMA);
  const store = new PostgresStore({ connectionString: PG_URL, schema: SCHEMA });
  const worker = new Scheduler({ store, concurrency: CONCURRENCY, logger: silentLogger });
  // A second scheduler on its own pool, never started: enqueues as another process would (wake-up by NOTIFY).
  const otherStore = new PostgresStore({ connectionString: PG_URL, schema: SCHEMA, poolSize: 2 });
  const other = new Scheduler({ store: otherStore, logger: silentLogger });
  const waiting = new Map<number, () => void>();
  worker.define('lat', async (job) => waiting.get((job.data as { n: number }).n)?.());
  let n = 0;
  try {
    await worker.start();
    await other.getStore();
    const enqueueVia = (s: Scheduler) => (onStart: () => void) => {
      const key = n++;
      waiting.set(key, onStart);
      return s.now('lat', { n: key });
    };
    const local = await measureLatency(LATENCY_SAMPLES, enqueueVia(worker));
    const remote = await measureLatency(LATENCY_SAMPLES, enqueueVia(other));
    return [
      { contender: 'hourglass', mode: 'same process', samples: local },
      { contender: 'hourglass', mode: 'other process (NOTIFY)', samples: remote },
    ];
  } finally {
    await worker.stop({ graceful: false, timeoutMs: 1000 });
    await store.close();
    await otherStore.close();
    await dropSchema(SCHEMA);
  }
}
