/**
 * graphile-worker 0.17 at concurrency 10, measured twice: with its defaults, and with the batching its docs
 * recommend for throughput (localQueue of 100 jobs, completions batched for 1 ms). The faster one counts.
 */
import { Logger, makeWorkerUtils, run, type Runner } from 'graphile-worker';
import { CONCURRENCY, JOBS, PG_URL, dropSchema, measureLatency, until, type Latency, type Throughput } from './common.js';

const SCHEMA = 'bench_graphile';
const quiet = new Logger(() => () => undefined);

type Tuning = 'defaults' | 'batched';

async function prepare(): Promise<void> {
  await dropSchema(SCHEMA);
  const utils = await makeWorkerUtils({ connectionString: PG_URL, schema: SCHEMA, logger: quiet });
  await utils.migrate();
  await utils.release();
}

function start(tuning: Tuning, taskList: Record<string, (payload: unknown) => Promise<void>>): Promise<Runner> {
  return run({
    connectionString: PG_URL,
    schema: SCHEMA,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: quiet,
    taskList,
    ...(tuning === 'batched' ? { preset: { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 1 } } } : {}),
  });
}

export async function throughput(tuning: Tuning): Promise<Throughput> {
  await prepare();
  const utils = await makeWorkerUtils({ connectionString: PG_URL, schema: SCHEMA, logger: quiet });
  let runner: Runner | null = null;
  try {
    const t0 = performance.now();
    await utils.addJobs(Array.from({ length: JOBS }, (_, i) => ({ identifier: 'noop', payload: { i } })));
    const enqueueMs = performance.now() - t0;
    let done = 0;
    const t1 = performance.now();
    runner = await start(tuning, { noop: async () => void done++ });
    await until(() => done >= JOBS, 600_000, 'graphile-worker to finish');
    const processMs = performance.now() - t1;
    const config = tuning === 'defaults' ? `run(concurrency ${CONCURRENCY}), defaults` : `concurrency ${CONCURRENCY}, localQueue 100, completeJobBatchDelay 1`;
    return { contender: 'graphile-worker 0.17', config, enqueueMs, processMs };
  } finally {
    await runner?.stop();
    await utils.release();
    await dropSchema(SCHEMA);
  }
}

export async function latency(samples: number): Promise<Latency[]> {
  await prepare();
  const utils = await makeWorkerUtils({ connectionString: PG_URL, schema: SCHEMA, logger: quiet });
  const waiting = new Map<number, () => void>();
  let n = 0;
  const runner = await start('defaults', { lat: async (payload) => waiting.get((payload as { n: number }).n)?.() });
  try {
    const result = await measureLatency(samples, (onStart) => {
      const key = n++;
      waiting.set(key, onStart);
      return utils.addJob('lat', { n: key });
    });
    return [{ contender: 'graphile-worker 0.17', mode: 'same process (LISTEN/NOTIFY), defaults', samples: result }];
  } finally {
    await runner.stop();
    await utils.release();
    await dropSchema(SCHEMA);
  }
}
