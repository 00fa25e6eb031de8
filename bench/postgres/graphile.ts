/**
 * graphile-worker 0.17 at concurrency 10. Variants: 'defaults' (run() with its defaults) and 'tuned' (the
 * batching its docs recommend for throughput: localQueue of 100 jobs, completions batched for 1 ms).
 * Jobs are enqueued with workerUtils.addJobs (one statement); latency through addJob on the utils' own pool
 * (the runner hears of it by LISTEN/NOTIFY).
 */
import { Logger, makeWorkerUtils, run, type Runner, type WorkerUtils } from 'graphile-worker';
import type { Driver } from '../harness/types.js';
import { counter, dropSchema, latencyProbe } from '../harness/util.js';

const quiet = new Logger(() => () => undefined);

async function utils(url: string, schema: string): Promise<WorkerUtils> {
  return makeWorkerUtils({ connectionString: url, schema, logger: quiet });
}

const producers = new Map<string, WorkerUtils>();

const driver: Driver = {
  async prepare(spec) {
    await dropSchema(spec.pgUrl, spec.namespace);
    const u = await utils(spec.pgUrl, spec.namespace);
    await u.migrate();
    producers.set(spec.namespace, u);
  },

  async enqueue(spec) {
    await producers.get(spec.namespace)!.addJobs(Array.from({ length: spec.jobs }, (_, i) => ({ identifier: 'noop', payload: { i } })));
  },

  async worker(spec) {
    const done = counter();
    const probe = latencyProbe();
    let runner: Runner | null = null;
    let producer: WorkerUtils | null = null;
    return {
      async process(jobs) {
        runner = await run({
          connectionString: spec.pgUrl,
          schema: spec.namespace,
          concurrency: spec.concurrency,
          noHandleSignals: true,
          pollInterval: 1000,
          logger: quiet,
          taskList: {
            noop: async () => undefined,
            lat: async (payload) => probe.started((payload as { k: number }).k),
          },
          ...(spec.entry.variant === 'tuned' ? { preset: { worker: { localQueue: { size: 100 }, completeJobBatchDelay: 1 } } } : {}),
        });
        runner.events.on('job:complete', () => done.add());
        await done.reached(jobs);
      },
      async latency(samples) {
        producer = await utils(spec.pgUrl, spec.namespace);
        const via = producer;
        return [{ mode: 'addJob on its own pool (NOTIFY)', samples: await probe.run(samples, 10, (k) => via.addJob('lat', { k })) }];
      },
      async stop() {
        await runner?.stop();
        await producer?.release();
      },
    };
  },

  async cleanup(spec) {
    await producers.get(spec.namespace)?.release();
    producers.delete(spec.namespace);
    await dropSchema(spec.pgUrl, spec.namespace);
  },
};
export default driver;
