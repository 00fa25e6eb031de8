/**
 * Prometheus metrics, kept cheap to scrape: counters and histograms come from the scheduler's events (no store
 * work at all); gauges from one ping and one count per status (plus one per defined name), which every store
 * answers from an index. Concurrent scrapes share one collection.
 *
 * Two kinds of series, kept apart (docs/operations.md, "Metrics"):
 *   this process's:  runs, failures, retries, run time and wait histograms, running jobs, worker state, store
 *                    reachability. Each process counts its own: sum() over processes is the total.
 *   the store's:     hourglass_jobs, hourglass_jobs_by_name, hourglass_queue_size. Every process sharing the
 *                    store reports the same values: use max() (or scrape them from one process), never sum().
 *                    `storeMetrics: false` (createHttpHandler option) leaves them out of a process's page.
 */
import { withTimeout } from '../core/timeout.js';
import type { Scheduler } from '../core/scheduler.js';
import { JOB_STATUSES, type Job, type JobStatus, type SchedulerEventName } from '../core/types.js';

/** Run time of a handler, seconds: from a few ms to an hour. */
export const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** Wait from a job's due time to its start, seconds: from a millisecond (an idle worker) to an hour (a backlog). */
export const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600];

const STORE_TIMEOUT_MS = 5_000;

/**
 * Names with series of their own besides those this process defines. A fallback handler (the `handler` option)
 * may run a new name per tenant or per day, and each name is some fifty lines of every scrape for the life of
 * the process: Prometheus's advice is to keep a label's values bounded. The first names seen get their own
 * series and keep them (a counter must not move); the runs of any later one are counted together, in series
 * labelled `others="true"` instead of `name`.
 */
export const MAX_UNDEFINED_NAMES = 100;
/** The key the runs of names past MAX_UNDEFINED_NAMES are counted under: no job name is empty. */
const OTHERS = '';

export class MetricsCollector {
  private readonly processed = new Map<string, number>();
  private readonly failed = new Map<string, number>();
  private readonly retried = new Map<string, number>();
  private readonly runTime = new Histograms(RUN_BUCKETS);
  private readonly waited = new Histograms(WAIT_BUCKETS);
  private readonly listeners: [string, (...args: any[]) => void][];
  private inFlight: Promise<string> | null = null;
  /** Names not defined in this process that have series of their own (at most MAX_UNDEFINED_NAMES). */
  private readonly ownSeries = new Set<string>();

  constructor(
    private readonly scheduler: Scheduler,
    private readonly storeMetrics = true,
  ) {
    // A run ends in exactly one of these: job:success, or job:fail (whether it will retry or not).
    this.listeners = [
      [
        'job:start',
        (job: Job) => {
          // A running job's nextRunAt is the due time it runs for (a retry's: when the retry fell due).
          if (job.lastRunAt && job.nextRunAt) this.waited.observe(this.keyOf(job.name), Math.max(0, job.lastRunAt.getTime() - job.nextRunAt.getTime()) / 1000);
        },
      ],
      [
        'job:success',
        (job: Job) => {
          bump(this.processed, this.keyOf(job.name));
          this.observeRun(job);
        },
      ],
      [
        'job:fail',
        ({ job }: { job: Job }) => {
          const key = this.keyOf(job.name);
          bump(this.processed, key);
          bump(this.failed, key);
          this.observeRun(job);
        },
      ],
      ['job:retry', (job: Job) => bump(this.retried, this.keyOf(job.name))],
    ];
    for (const [event, listener] of this.listeners) scheduler.on(event as SchedulerEventName, listener);
  }

  private observeRun(job: Job): void {
    if (job.lastRunAt && job.lastFinishedAt) this.runTime.observe(this.keyOf(job.name), Math.max(0, job.lastFinishedAt.getTime() - job.lastRunAt.getTime()) / 1000);
  }

  /** The key a name's runs are counted under: its own, or OTHERS past MAX_UNDEFINED_NAMES undefined names. */
  private keyOf(name: string): string {
    if (this.ownSeries.has(name) || this.scheduler.isDefined(name)) return name;
    if (this.ownSeries.size >= MAX_UNDEFINED_NAMES) return OTHERS;
    this.ownSeries.add(name);
    return name;
  }

  /** Stop counting (the scheduler outlives the handler in an app that remounts it). */
  dispose(): void {
    for (const [event, listener] of this.listeners) this.scheduler.off(event, listener);
  }

  render(): Promise<string> {
    this.inFlight ??= this.collect().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async collect(): Promise<string> {
    const s = this.scheduler;
    const names = s.definedNames().sort();
    const out = new Exposition();

    // The store's side: never fail the scrape because the store is down; say so in hourglass_store_up.
    let up = 0;
    let latency: number | null = null;
    let totals: Record<JobStatus, number> | null = null;
    let byName: Record<JobStatus, number>[] = [];
    try {
      const store = await timed(s.getStore());
      const started = performance.now();
      await timed(store.ping());
      latency = Math.round((performance.now() - started) * 1000) / 1e6; // seconds, to the microsecond
      if (this.storeMetrics) ({ all: totals, byName } = await timed(s.countJobsByName(names)));
      up = 1;
    } catch (error) {
      s.logger.warn({ err: error }, 'metrics: the store did not answer');
    }

    out.family('hourglass_store_up', 'gauge', 'Whether the store answered this scrape (1) or not (0).');
    out.sample('hourglass_store_up', {}, up);
    if (latency !== null) {
      out.family('hourglass_store_latency_seconds', 'gauge', 'Round trip of a store ping during this scrape.');
      out.sample('hourglass_store_latency_seconds', {}, latency);
    }
    if (totals) {
      // The store's series: the same in every process sharing the store (max(), not sum()).
      out.family('hourglass_jobs', 'gauge', 'Jobs in the store, by status (store-wide: every process reports the same).');
      for (const status of JOB_STATUSES) out.sample('hourglass_jobs', { status }, totals[status]);
      out.family('hourglass_jobs_by_name', 'gauge', 'Jobs in the store by name and status, for the names this process defines (store-wide).');
      names.forEach((name, i) => {
        for (const status of JOB_STATUSES) out.sample('hourglass_jobs_by_name', { name, status }, byName[i]![status]);
      });
      out.family('hourglass_queue_size', 'gauge', 'Pending jobs, due now or later (store-wide).');
      out.sample('hourglass_queue_size', {}, totals.pending);
    }

    // This process's side, from events and the worker.
    const counted = [...new Set([...names, ...this.processed.keys()])].sort();
    out.family('hourglass_jobs_processed_total', 'counter', 'Runs this process finished since the API started, successful or failed.');
    for (const name of counted) out.sample('hourglass_jobs_processed_total', labelsOf(name), this.processed.get(name) ?? 0);
    out.family('hourglass_jobs_failed_total', 'counter', 'Runs this process finished with an error since the API started (retried or not).');
    for (const name of counted) out.sample('hourglass_jobs_failed_total', labelsOf(name), this.failed.get(name) ?? 0);
    out.family('hourglass_job_retries_total', 'counter', 'Runs this process finished with an error that will be retried.');
    for (const name of counted) out.sample('hourglass_job_retries_total', labelsOf(name), this.retried.get(name) ?? 0);
    this.runTime.render(out, 'hourglass_job_run_duration_seconds', "Run time of this process's handlers, start to outcome.", counted);
    this.waited.render(out, 'hourglass_job_wait_seconds', 'Wait from due time to start, for the runs this process started.', counted);
    out.family('hourglass_worker_running', 'gauge', "Whether this process's workers are claiming jobs (1) or stopped (0).");
    out.sample('hourglass_worker_running', {}, s.workersRunning ? 1 : 0);
    out.family('hourglass_jobs_running', 'gauge', 'Jobs whose handlers run in this process now.');
    out.sample('hourglass_jobs_running', {}, s.runningCount);
    return out.text();
  }
}

/** A series' labels: its name, or `others` for the runs of names past MAX_UNDEFINED_NAMES. */
function labelsOf(key: string): Record<string, string> {
  return key === OTHERS ? { others: 'true' } : { name: key };
}

function bump(map: Map<string, number>, name: string): void {
  map.set(name, (map.get(name) ?? 0) + 1);
}

/** One cumulative histogram per job name, on fixed buckets (an observation is a few comparisons). */
class Histograms {
  private readonly byName = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(private readonly bounds: readonly number[]) {}

  observe(name: string, value: number): void {
    let h = this.byName.get(name);
    if (!h) this.byName.set(name, (h = { counts: new Array(this.bounds.length).fill(0), sum: 0, count: 0 }));
    // counts[i] holds observations in (bounds[i-1], bounds[i]]; render() accumulates them.
    const i = this.bounds.findIndex((bound) => value <= bound);
    if (i >= 0) h.counts[i]!++;
    h.sum += value;
    h.count++;
  }

  render(out: Exposition, family: string, help: string, names: string[]): void {
    out.family(family, 'histogram', help);
    for (const name of [...new Set([...names, ...this.byName.keys()])].sort()) {
      const h = this.byName.get(name) ?? { counts: new Array(this.bounds.length).fill(0), sum: 0, count: 0 };
      let cumulative = 0;
      const labels = labelsOf(name);
      this.bounds.forEach((bound, i) => {
        cumulative += h.counts[i]!;
        out.sample(`${family}_bucket`, { ...labels, le: String(bound) }, cumulative);
      });
      out.sample(`${family}_bucket`, { ...labels, le: '+Inf' }, h.count);
      out.sample(`${family}_sum`, labels, h.sum);
      out.sample(`${family}_count`, labels, h.count);
    }
  }
}

/** A scrape must answer even when the store hangs: give up on it after a few seconds. */
function timed<T>(promise: Promise<T>): Promise<T> {
  return withTimeout(promise, STORE_TIMEOUT_MS, 'metrics scrape');
}

/** The Prometheus text format (version 0.0.4): HELP and TYPE once per family, then its samples. */
class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Record<string, string>, value: number): void {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    this.lines.push(`${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${Number.isFinite(value) ? value : 'NaN'}`);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
