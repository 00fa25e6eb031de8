/**
 * Prometheus metrics, kept cheap to scrape: counters come from the scheduler's events (no store work at all);
 * gauges from one ping and one count per status (plus one per defined name), which every store answers from
 * an index. Concurrent scrapes share one collection.
 */
import type { Scheduler } from '../core/scheduler.js';
import { JOB_STATUSES, type JobStatus, type SchedulerEventName } from '../core/types.js';

const STORE_TIMEOUT_MS = 5_000;

export class MetricsCollector {
  private readonly processed = new Map<string, number>();
  private readonly failed = new Map<string, number>();
  private readonly listeners: [string, (...args: any[]) => void][];
  private inFlight: Promise<string> | null = null;

  constructor(private readonly scheduler: Scheduler) {
    // A run ends in exactly one of these: job:success, or job:fail (whether it will retry or not).
    this.listeners = [
      ['job:success', (job: { name: string }) => bump(this.processed, job.name)],
      [
        'job:fail',
        ({ job }: { job: { name: string } }) => {
          bump(this.processed, job.name);
          bump(this.failed, job.name);
        },
      ],
    ];
    for (const [event, listener] of this.listeners) scheduler.on(event as SchedulerEventName, listener);
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
      [totals, byName] = await timed(Promise.all([s.countJobs(), Promise.all(names.map((n) => s.countJobs(n)))]));
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
      out.family('hourglass_jobs', 'gauge', 'Jobs in the store, by status.');
      for (const status of JOB_STATUSES) out.sample('hourglass_jobs', { status }, totals[status]);
      out.family('hourglass_jobs_by_name', 'gauge', 'Jobs in the store by name and status, for the names this process defines.');
      names.forEach((name, i) => {
        for (const status of JOB_STATUSES) out.sample('hourglass_jobs_by_name', { name, status }, byName[i]![status]);
      });
      out.family('hourglass_queue_size', 'gauge', 'Pending jobs, due now or later.');
      out.sample('hourglass_queue_size', {}, totals.pending);
    }

    // This process's side, from events and the worker.
    const counted = [...new Set([...names, ...this.processed.keys()])].sort();
    out.family('hourglass_jobs_processed_total', 'counter', 'Runs this process finished since the API started, successful or failed.');
    for (const name of counted) out.sample('hourglass_jobs_processed_total', { name }, this.processed.get(name) ?? 0);
    out.family('hourglass_jobs_failed_total', 'counter', 'Runs this process finished with an error since the API started (retried or not).');
    for (const name of counted) out.sample('hourglass_jobs_failed_total', { name }, this.failed.get(name) ?? 0);
    out.family('hourglass_worker_running', 'gauge', "Whether this process's workers are claiming jobs (1) or stopped (0).");
    out.sample('hourglass_worker_running', {}, s.workersRunning ? 1 : 0);
    out.family('hourglass_jobs_running', 'gauge', 'Jobs whose handlers run in this process now.');
    out.sample('hourglass_jobs_running', {}, s.runningCount);
    return out.text();
  }
}

function bump(map: Map<string, number>, name: string): void {
  map.set(name, (map.get(name) ?? 0) + 1);
}

/** A scrape must answer even when the store hangs: give up on it after a few seconds. */
function timed<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The Prometheus text format (version 0.0.4): HELP and TYPE once per family, then its samples. */
class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter', help: string): void {
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
