/**
 * hourglass as a contender, through the public Scheduler API, whatever the store: the per-store modules
 * (bench/<store>/hourglass.ts) say how to open the store, fill a backlog and clean up. The worker's store is
 * wrapped so that every claim is timed from outside (timeClaims): the claim-time column.
 */
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import type { NewJob, Store } from '../../src/core/store.js';
import type { ClaimTimes, Driver, LatencySeries, RunSpec, WorkerHandle } from './types.js';
import { counter, latencyProbe, timeClaims } from './util.js';

export interface HourglassKit {
  /** A new store on this run's namespace. `purpose` lets a kit size pools (a producer needs few connections). */
  open(spec: RunSpec, purpose: 'producer' | 'worker'): Store;
  /** Scheduler options of this variant, besides store, concurrency and logger. */
  options?(spec: RunSpec): Partial<SchedulerOptions>;
  /**
   * Latency is also measured with the job enqueued through a second store (own connections, as another
   * process would), so the wake-up has to travel through the server. SQLite has no such wake-up (another
   * process is found by polling), so there only the same scheduler enqueues.
   */
  otherProducer: boolean;
  /** Backlog fill; without one, the harness fills through the store's own insert in chunks (pipelined). */
  fill?(spec: RunSpec, count: number, dueAt: number): Promise<void>;
  /** See Driver.afterFill; returns what it did, for the log. */
  afterFill?(spec: RunSpec): Promise<string>;
  cleanup(spec: RunSpec): Promise<void>;
}

const producers = new Map<string, Scheduler>();

function producer(kit: HourglassKit, spec: RunSpec): Scheduler {
  let s = producers.get(spec.namespace);
  if (!s) {
    s = new Scheduler({ store: kit.open(spec, 'producer'), logger: silentLogger });
    producers.set(spec.namespace, s);
  }
  return s;
}

const HOUR = 3_600_000;

export function hourglassDriver(kit: HourglassKit): Driver {
  return {
    async prepare(spec) {
      await kit.cleanup(spec);
      await producer(kit, spec).getStore(); // opens and migrates outside every timing
    },

    async enqueue(spec) {
      // Groups mode: job i in group i mod N, so every group has due work and the claim rotates over all of them.
      const groups = spec.groups ?? null;
      await producer(kit, spec).scheduleBulk(Array.from({ length: spec.jobs }, (_, i) => (groups === null ? { name: 'noop', data: { i } } : { name: 'noop', data: { i }, group: `g${i % groups}` })));
    },

    async fill(spec, count) {
      const dueAt = Date.now() + HOUR;
      if (kit.fill) return kit.fill(spec, count, dueAt);
      // Store.insert itself, 5,000 a call, 4 calls in flight: about twice as fast as scheduleBulk (which
      // validates and normalises each spec first), and the rows are what any insert writes.
      const store = await producer(kit, spec).getStore();
      const CHUNK = 5_000;
      const IN_FLIGHT = 4;
      let next = 0;
      const lane = async () => {
        while (next < count) {
          const from = next;
          next = Math.min(count, next + CHUNK);
          const jobs: NewJob[] = Array.from({ length: next - from }, (_, k) => ({
            name: 'noop', data: { i: from + k }, priority: 0, maxAttempts: null, backoff: null, timeoutMs: null,
            repeat: null, repeatKey: null, dedupeKey: null, label: null, dueAt, nextRunAt: dueAt,
          }));
          await store.insert(jobs, Date.now());
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    },

    ...(kit.afterFill ? { afterFill: kit.afterFill } : {}),

    async worker(spec): Promise<WorkerHandle> {
      const times: ClaimTimes = { ms: [], jobs: [] };
      const raw = kit.open(spec, 'worker');
      // Counted where the store applies settlements, not with a job:complete listener: a listener makes the
      // scheduler build a job view per run, a cost an application without one does not pay.
      const done = counter();
      const store = timeClaims(raw, times, (n) => done.add(n));
      const scheduler = new Scheduler({ store, concurrency: spec.concurrency, logger: silentLogger, ...kit.options?.(spec) });
      const probe = latencyProbe();
      scheduler.define('noop', async () => undefined);
      scheduler.define('lat', async (job) => probe.started((job.data as { k: number }).k));
      await scheduler.getStore(); // connect outside the timing
      let other: Scheduler | null = null;
      let processing: ClaimTimes | null = null;
      return {
        async process(jobs) {
          await scheduler.start();
          await done.reached(jobs);
          processing = { ms: [...times.ms], jobs: [...times.jobs] }; // the claims of the run, not of the latency samples
        },
        async latency(samples): Promise<LatencySeries[]> {
          const out: LatencySeries[] = [];
          if (kit.otherProducer) {
            other = new Scheduler({ store: kit.open(spec, 'producer'), logger: silentLogger });
            await other.getStore();
            const via = other;
            out.push({ mode: 'producer on its own connection', samples: await probe.run(samples, 10, (k) => via.now('lat', { k })) });
          }
          out.push({ mode: 'same scheduler', samples: await probe.run(samples, 10, (k) => scheduler.now('lat', { k })) });
          return out;
        },
        claims: () => processing ?? times,
        async idleClaims(count) {
          await scheduler.stopWorkers({ graceful: true, timeoutMs: 10_000 });
          const out: number[] = [];
          for (let i = 0; i < count; i++) {
            const t0 = performance.now();
            const claimed = await raw.claim({
              now: Date.now(), workerId: 'bench-idle', lockToken: `idle-${i}`, limit: spec.concurrency,
              names: ['noop', 'lat'], limits: [], lockLifetimeMs: 30_000,
            });
            out.push(performance.now() - t0);
            if (claimed.length > 0) throw new Error(`idle claim found ${claimed.length} due job(s): the backlog is meant to be due in an hour`);
          }
          return out;
        },
        async stop() {
          await other?.stop();
          await scheduler.stop({ graceful: false, timeoutMs: 1000 });
        },
      };
    },

    async cleanup(spec) {
      const p = producers.get(spec.namespace);
      producers.delete(spec.namespace);
      await p?.stop();
      await kit.cleanup(spec);
    },
  };
}
