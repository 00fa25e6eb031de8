/**
 * scheduler.waitFor(id): the job once it has finished (completed, failed or cancelled), whichever process runs
 * it; a repeating job, which never finishes by itself, once a run of it has ended after the call. The store is
 * the only thing every process shares, so the job is read again until it has finished: soon at first (a short
 * job ends within milliseconds), then every 250 ms, then every second once the wait passes 30 s (pollDelay).
 * One JobWatch per scheduler does the reading for all of its watchers (a watcher: one waitFor call; not a
 * durable run's `wait`, docs/architecture.md): each time a read is due it reads every job due for one together,
 * READ_CHUNK ids a store call (Store.getJobs), so ten thousand watchers cost a few dozen reads a second, not
 * forty thousand, and one timer. A job this process's own worker settles, or this
 * process cancels, is read again at once (wake(), fed by the scheduler's job:complete and job:cancel).
 */
import { JobNotFoundError, WaitTimeoutError } from './errors.js';
import { FINISHED } from './rules/insert.js';
import type { JobRecord } from './store.js';

/** Ids a store call reads at most. */
export const READ_CHUNK = 500;

/** How long to wait before reading the job again, after `round` reads that found it unfinished over `waitedMs`. */
export function pollDelay(round: number, waitedMs: number): number {
  if (waitedMs >= 30_000) return 1_000;
  return Math.min(250, 10 * 2 ** round);
}

/** The jobs of `ids` that exist (in any order). */
export type ReadJobs = (ids: string[]) => Promise<JobRecord[]>;

export interface WaitOptions {
  /** null: no limit. */
  timeoutMs: number | null;
  signal?: AbortSignal | undefined;
}

interface Watcher {
  id: string;
  /** When its next read is due (performance.now()). */
  readAt: number;
  /** The call's time by the scheduler's clock (the clock that writes lastFinishedAt). */
  calledAt: number;
  /** A repeating job's lastFinishedAt when first read. */
  lastFinished?: number | null;
  round: number;
  startedAt: number;
  timeoutMs: number | null;
  settle: (outcome: { job: JobRecord } | { error: unknown }) => void;
}

export class JobWatch {
  private readonly watchers = new Set<Watcher>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private reading = false;

  /**
   * `delay`: the pause before a watcher's next read (tests give a long one, to see a wake-up end it). `clock`: the
   * scheduler's (its `now` option), the one its runs' lastFinishedAt are written by: a repeating job's run is
   * after the call by that clock, not by this machine's.
   */
  constructor(
    private readonly read: ReadJobs,
    private readonly delay: (round: number, waitedMs: number) => number = pollDelay,
    private readonly clock: () => number = Date.now,
  ) {}

  /** How many watchers are under way. */
  get size(): number {
    return this.watchers.size;
  }

  /** The job once finished; JobNotFoundError if it is (or goes) missing, WaitTimeoutError, the signal's reason, or the read's error. */
  wait(id: string, options: WaitOptions): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(signal.reason);
      const now = performance.now();
      const onAbort = (): void => watcher.settle({ error: signal!.reason });
      const watcher: Watcher = {
        id,
        readAt: now,
        calledAt: this.clock(),
        round: 0,
        startedAt: now,
        timeoutMs: options.timeoutMs,
        settle: (outcome) => {
          if (!this.watchers.delete(watcher)) return;
          signal?.removeEventListener('abort', onAbort);
          if ('job' in outcome) resolve(outcome.job);
          else reject(outcome.error);
        },
      };
      this.watchers.add(watcher);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.schedule(now);
    });
  }

  /** This process saw job `id` end: its watchers read it again now. */
  wake(id: string): void {
    const now = performance.now();
    let woken = false;
    for (const watcher of this.watchers) {
      if (watcher.id !== id) continue;
      watcher.readAt = now;
      woken = true;
    }
    if (woken) this.schedule(now);
  }

  /** Every watcher fails with `error` (the scheduler closed: its next read could only fail). */
  endAll(error: unknown): void {
    for (const watcher of [...this.watchers]) watcher.settle({ error });
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private schedule(at: number): void {
    if (this.reading || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, at - performance.now()));
  }

  /** Read every job a watcher is due to read, in chunks, and hand each watcher its answer. */
  private async tick(): Promise<void> {
    this.timer = null;
    this.timerAt = Infinity;
    this.reading = true;
    try {
      const now = performance.now();
      const due = [...new Set([...this.watchers].filter((w) => w.readAt <= now).map((w) => w.id))];
      for (let i = 0; i < due.length; i += READ_CHUNK) {
        const ids = due.slice(i, i + READ_CHUNK);
        let jobs: Map<string, JobRecord>;
        try {
          jobs = new Map((await this.read(ids)).map((job) => [job.id, job]));
        } catch (error) {
          for (const watcher of this.watchersOf(ids)) watcher.settle({ error });
          continue;
        }
        for (const watcher of this.watchersOf(ids)) this.answer(watcher, jobs.get(watcher.id) ?? null);
      }
    } finally {
      this.reading = false;
      let next = Infinity;
      for (const watcher of this.watchers) next = Math.min(next, watcher.readAt);
      if (next !== Infinity) this.schedule(next);
    }
  }

  private watchersOf(ids: string[]): Watcher[] {
    const set = new Set(ids);
    return [...this.watchers].filter((w) => set.has(w.id));
  }

  private answer(watcher: Watcher, job: JobRecord | null): void {
    if (job === null) return watcher.settle({ error: new JobNotFoundError(watcher.id) });
    if (FINISHED.has(job.status)) return watcher.settle({ job });
    // A repeating job never finishes by itself: the wait ends with a run that ended after the call, whatever its
    // outcome (every settle sets lastFinishedAt). Either sign will do: lastFinishedAt not before the call (a run
    // that ended before the first read came back, say one trigger() started just after the call), or a change
    // from the first read's value (which holds whatever the writer's clock says).
    if (job.repeat !== null) {
      const finished = job.lastFinishedAt;
      if (finished !== null && finished >= watcher.calledAt) return watcher.settle({ job });
      if (watcher.lastFinished === undefined) watcher.lastFinished = finished;
      else if (finished !== watcher.lastFinished) return watcher.settle({ job });
    }
    const now = performance.now();
    const waited = now - watcher.startedAt;
    if (watcher.timeoutMs !== null && waited >= watcher.timeoutMs) return watcher.settle({ error: new WaitTimeoutError(watcher.id, watcher.timeoutMs, job.status) });
    const left = watcher.timeoutMs === null ? Infinity : watcher.timeoutMs - waited;
    watcher.readAt = now + Math.min(this.delay(watcher.round++, waited), left);
  }
}
