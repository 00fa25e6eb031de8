/**
 * pg-boss 10: one worker fetching batches of 10 (concurrency 10). pg-boss waits at least 0.5 s between
 * fetches (its minimum polling interval) even when work is waiting, which caps such a worker at 20 jobs/s; to
 * measure its engine rather than that pause, the handler calls boss.notifyWorker(id) (public API) so the next
 * fetch starts at once: the most favourable setting we found for pg-boss at concurrency 10. Latency: 20
 * samples at its minimum poll of 0.5 s (it has no wake-up), so expect about 250 ms.
 */
import PgBoss from 'pg-boss';
import type { Driver } from '../harness/types.js';
import { counter, dropSchema, latencyProbe } from '../harness/util.js';

const producers = new Map<string, PgBoss>();

function boss(url: string, schema: string, max: number, background: boolean): PgBoss {
  const b = new PgBoss({ connectionString: url, schema, max, ...(background ? {} : { supervise: false, schedule: false }) });
  b.on('error', () => undefined);
  return b;
}

const driver: Driver = {
  async prepare(spec) {
    await dropSchema(spec.pgUrl, spec.namespace);
    const b = boss(spec.pgUrl, spec.namespace, 2, false);
    await b.start();
    await b.createQueue('noop');
    await b.createQueue('lat');
    producers.set(spec.namespace, b);
  },

  async enqueue(spec) {
    await producers.get(spec.namespace)!.insert(Array.from({ length: spec.jobs }, (_, i) => ({ name: 'noop', data: { i } })));
  },

  async worker(spec) {
    const b = boss(spec.pgUrl, spec.namespace, spec.concurrency + 2, true);
    await b.start();
    const done = counter();
    const probe = latencyProbe();
    return {
      async process(jobs) {
        let id: string | null = null;
        id = await b.work('noop', { batchSize: spec.concurrency }, async (batch) => {
          await Promise.all(batch.map(async () => undefined));
          done.add(batch.length);
          if (id) b.notifyWorker(id);
        });
        await done.reached(jobs);
      },
      async latency(samples) {
        await b.work('lat', { batchSize: 1, pollingIntervalSeconds: 0.5 }, async ([job]) => probe.started((job!.data as { k: number }).k));
        return [{ mode: 'send, 0.5 s poll (its minimum)', samples: await probe.run(Math.min(samples, 20), 2, (k) => b.send('lat', { k })) }];
      },
      async stop() {
        await b.stop({ graceful: false, wait: true, timeout: 2000 });
      },
    };
  },

  async cleanup(spec) {
    await producers.get(spec.namespace)?.stop({ graceful: false, wait: true, timeout: 2000 });
    producers.delete(spec.namespace);
    await dropSchema(spec.pgUrl, spec.namespace);
  },
};
export default driver;
