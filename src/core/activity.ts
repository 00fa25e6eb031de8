/**
 * Activity: this process's runs counted per minute and name, in memory, for the dashboard's charts and the
 * run-time percentiles (Scheduler.activity()). The worker reports each recorded outcome here (record(), on
 * the hot path: a map lookup and a few increments, no allocation once a name has its bucket for the minute);
 * the process heartbeat (processes.ts) publishes the last hour with the process's record, so every process
 * sharing the store can sum everyone's (summarise()).
 *
 * Run times are kept as a histogram over fixed bounds, so buckets from many processes add up and the
 * percentiles come from the sum (as Prometheus histograms do), not from an average of averages.
 */
import type { ActivityBucket } from './store.js';

/** Upper bounds (ms, inclusive) of the run-time histogram; a last, open bucket counts longer runs. */
export const RUN_TIME_BOUNDS_MS: readonly number[] = [1, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000];

/** Minutes of activity kept and published. */
export const ACTIVITY_MINUTES = 60;
const MINUTE_MS = 60_000;

/** The outcomes counted: a success, a failure that will be retried, a failure with no attempt left. */
export type CountedVerdict = 'success' | 'retry' | 'final-failure';

export class ActivityLog {
  /** Start of the minute `current` counts; -1 before the first run. */
  private minute = -1;
  private current = new Map<string, ActivityBucket>();
  /** Earlier minutes' buckets, oldest first; trimmed to ACTIVITY_MINUTES when a minute ends. */
  private closed: ActivityBucket[] = [];

  /** Count one run. `now` earlier than the current minute (a clock stepped back) counts in the current minute. */
  record(name: string, verdict: CountedVerdict, runMs: number, now: number): void {
    const minute = now - (now % MINUTE_MS);
    if (minute > this.minute) this.roll(minute);
    let bucket = this.current.get(name);
    if (bucket === undefined) {
      bucket = { minute: this.minute, name, completed: 0, failed: 0, retried: 0, runTimes: new Array<number>(RUN_TIME_BOUNDS_MS.length + 1).fill(0) };
      this.current.set(name, bucket);
    }
    if (verdict === 'success') bucket.completed++;
    else {
      bucket.failed++;
      if (verdict === 'retry') bucket.retried++;
    }
    bucket.runTimes[histogramIndex(runMs)]!++;
  }

  /** The buckets of the last ACTIVITY_MINUTES minutes before `now` (copies). */
  snapshot(now: number): ActivityBucket[] {
    const from = windowStart(now);
    const out: ActivityBucket[] = [];
    for (const b of this.closed) if (b.minute >= from) out.push(copy(b));
    if (this.minute >= from) for (const b of this.current.values()) out.push(copy(b));
    return out;
  }

  private roll(minute: number): void {
    for (const b of this.current.values()) this.closed.push(b);
    this.current = new Map();
    this.minute = minute;
    const from = windowStart(minute);
    let drop = 0;
    while (drop < this.closed.length && this.closed[drop]!.minute < from) drop++;
    if (drop > 0) this.closed = this.closed.slice(drop);
  }
}

/** The first minute still inside the window that ends at `now`. */
function windowStart(now: number): number {
  return now - (now % MINUTE_MS) - (ACTIVITY_MINUTES - 1) * MINUTE_MS;
}

function copy(b: ActivityBucket): ActivityBucket {
  return { minute: b.minute, name: b.name, completed: b.completed, failed: b.failed, retried: b.retried, runTimes: b.runTimes.slice() };
}

/** The histogram bucket a run time falls in. */
export function histogramIndex(ms: number): number {
  for (let i = 0; i < RUN_TIME_BOUNDS_MS.length; i++) if (ms <= RUN_TIME_BOUNDS_MS[i]!) return i;
  return RUN_TIME_BOUNDS_MS.length;
}

/**
 * The run time under which a fraction `q` of the runs counted in `histogram` took, interpolated linearly
 * inside its bucket (as Prometheus' histogram_quantile does); null without runs. A quantile that falls in the
 * open last bucket is reported as the last bound (a lower bound of the real value).
 */
export function quantile(histogram: readonly number[], q: number): number | null {
  let total = 0;
  for (const n of histogram) total += n;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    const n = histogram[i]!;
    if (n > 0 && seen + n >= rank) {
      if (i >= RUN_TIME_BOUNDS_MS.length) return RUN_TIME_BOUNDS_MS[RUN_TIME_BOUNDS_MS.length - 1]!;
      const lower = i === 0 ? 0 : RUN_TIME_BOUNDS_MS[i - 1]!;
      const upper = RUN_TIME_BOUNDS_MS[i]!;
      return Math.round((lower + ((upper - lower) * (rank - seen)) / n) * 10) / 10;
    }
    seen += n;
  }
  return RUN_TIME_BOUNDS_MS[RUN_TIME_BOUNDS_MS.length - 1]!;
}

export interface ActivityCounts {
  completed: number;
  failed: number;
  /** Failures that will be retried (counted in `failed` too). */
  retried: number;
}

export interface RunTimes {
  /** Median run time in ms (from the histogram, see quantile()); null without runs. */
  p50Ms: number | null;
  p95Ms: number | null;
}

/** What Scheduler.activity() answers: the last hour by minute, and by name, across every process. */
export interface ActivityReport extends ActivityCounts, RunTimes {
  /** The first minute of the window and the end of the last one. */
  from: Date;
  to: Date;
  /** One entry per minute, oldest first, ACTIVITY_MINUTES of them (zeros and nulls where nothing ran). */
  minutes: (ActivityCounts & RunTimes & { minute: Date })[];
  /** Names that ran in the window, most runs first. */
  names: (ActivityCounts & RunTimes & { name: string })[];
  /** How many processes' activity was summed (this one included when it ran jobs). */
  processes: number;
}

/** Sum buckets (of any processes) into the report for the hour before `now`. */
export function summarise(buckets: readonly ActivityBucket[], now: number, processes: number): ActivityReport {
  const from = windowStart(now);
  const minutes = Array.from({ length: ACTIVITY_MINUTES }, (_, i) => ({ minute: new Date(from + i * MINUTE_MS), completed: 0, failed: 0, retried: 0, p50Ms: null as number | null, p95Ms: null as number | null }));
  const perMinute = minutes.map(() => new Array<number>(RUN_TIME_BOUNDS_MS.length + 1).fill(0));
  const byName = new Map<string, ActivityCounts & { histogram: number[] }>();
  const all = new Array<number>(RUN_TIME_BOUNDS_MS.length + 1).fill(0);
  let completed = 0;
  let failed = 0;
  let retried = 0;
  for (const b of buckets) {
    const slot = Math.floor((b.minute - from) / MINUTE_MS);
    if (slot < 0 || slot >= ACTIVITY_MINUTES) continue;
    const m = minutes[slot]!;
    m.completed += b.completed;
    m.failed += b.failed;
    m.retried += b.retried;
    completed += b.completed;
    failed += b.failed;
    retried += b.retried;
    let n = byName.get(b.name);
    if (!n) byName.set(b.name, (n = { completed: 0, failed: 0, retried: 0, histogram: new Array<number>(RUN_TIME_BOUNDS_MS.length + 1).fill(0) }));
    n.completed += b.completed;
    n.failed += b.failed;
    n.retried += b.retried;
    const minuteHistogram = perMinute[slot]!;
    for (let i = 0; i < b.runTimes.length && i < all.length; i++) {
      n.histogram[i]! += b.runTimes[i]!;
      minuteHistogram[i]! += b.runTimes[i]!;
      all[i]! += b.runTimes[i]!;
    }
  }
  minutes.forEach((m, i) => {
    m.p50Ms = quantile(perMinute[i]!, 0.5);
    m.p95Ms = quantile(perMinute[i]!, 0.95);
  });
  const names = [...byName]
    .map(([name, n]) => ({ name, completed: n.completed, failed: n.failed, retried: n.retried, p50Ms: quantile(n.histogram, 0.5), p95Ms: quantile(n.histogram, 0.95) }))
    .sort((a, b) => b.completed + b.failed - (a.completed + a.failed) || (a.name < b.name ? -1 : 1));
  return {
    from: new Date(from),
    to: new Date(from + ACTIVITY_MINUTES * MINUTE_MS),
    completed,
    failed,
    retried,
    p50Ms: quantile(all, 0.5),
    p95Ms: quantile(all, 0.95),
    minutes,
    names,
    processes,
  };
}
