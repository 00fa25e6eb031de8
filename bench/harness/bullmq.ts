/**
 * BullMQ 6 as a contender, on either of its backends: Redis (its default) or PostgreSQL (createPostgresBackend,
 * new in 6). Queue.addBulk enqueues; one Worker at concurrency 10 processes, with BullMQ's defaults; latency is
 * measured through a second Queue (its own connection), as another process would enqueue.
 */
import { Queue, Worker, withBackend, createPostgresBackend } from 'bullmq';
import type { Driver, RunSpec } from './types.js';
import { counter, latencyProbe } from './util.js';

export interface BullmqKit {
  backend: 'redis' | 'postgres';
  cleanup(spec: RunSpec): Promise<void>;
}

const QUEUE = 'bench';

type AnyQueue = { addBulk(jobs: { name: string; data: unknown }[]): Promise<unknown>; add(name: string, data: unknown): Promise<unknown>; waitUntilReady(): Promise<unknown>; close(): Promise<void> };
type AnyWorker = { run(): Promise<void>; on(event: 'completed', f: () => void): unknown; waitUntilReady(): Promise<unknown>; close(): Promise<void> };
type Processor = (job: { name: string; data: unknown }) => Promise<void>;

function classes(kit: BullmqKit, spec: RunSpec, migrate = false): { queue(): AnyQueue; worker(p: Processor): AnyWorker } {
  if (kit.backend === 'postgres') {
    const pg = withBackend(createPostgresBackend);
    const connection = { connectionString: spec.pgUrl, schema: spec.namespace, ...(migrate ? { migrate: true } : {}) };
    return {
      queue: () => new pg.Queue(QUEUE, { connection }),
      worker: (p) => new pg.Worker(QUEUE, p, { connection, concurrency: spec.concurrency, autorun: false }),
    };
  }
  const url = new URL(spec.redisUrl);
  const connection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null };
  return {
    queue: () => new Queue(QUEUE, { connection, prefix: spec.namespace }),
    worker: (p) => new Worker(QUEUE, p, { connection, prefix: spec.namespace, concurrency: spec.concurrency, autorun: false }),
  };
}

const producers = new Map<string, AnyQueue>();

export function bullmqDriver(kit: BullmqKit): Driver {
  return {
    async prepare(spec) {
      await kit.cleanup(spec);
      const queue = classes(kit, spec, true).queue();
      await queue.waitUntilReady(); // connects, and on PostgreSQL creates its schema (migrate: true)
      producers.set(spec.namespace, queue);
    },

    async enqueue(spec) {
      await producers.get(spec.namespace)!.addBulk(Array.from({ length: spec.jobs }, (_, i) => ({ name: 'noop', data: { i } })));
    },

    async worker(spec) {
      const make = classes(kit, spec);
      const done = counter();
      const probe = latencyProbe();
      const worker = make.worker(async (job) => {
        if (job.name === 'lat') probe.started((job.data as { k: number }).k);
      });
      worker.on('completed', () => done.add());
      await worker.waitUntilReady();
      let queue: AnyQueue | null = null;
      return {
        async process(jobs) {
          void worker.run();
          await done.reached(jobs);
        },
        async latency(samples) {
          queue = make.queue();
          await queue.waitUntilReady();
          const via = queue;
          return [{ mode: 'add on its own connection', samples: await probe.run(samples, 10, (k) => via.add('lat', { k })) }];
        },
        async stop() {
          await worker.close();
          await queue?.close();
        },
      };
    },

    async cleanup(spec) {
      await producers.get(spec.namespace)?.close();
      producers.delete(spec.namespace);
      await kit.cleanup(spec);
    },
  };
}
