/**
 * scheduler.waitFor(id): the job once it has finished (completed, failed or cancelled), whichever process runs
 * it. The store is the only thing every process shares, so the job is read again until it has finished: soon at
 * first (a short job ends within milliseconds), then every 250 ms, then every second once the wait passes 30 s
 * (pollDelay). One JobWatch per scheduler does the reading for all of its waits: each time a read is due it reads
 * every job due for one together, READ_CHUNK ids a store call (Store.getJobs), so ten thousand waits cost a few
 * dozen reads a second, not forty thousand, and one timer. A job this process's own worker settles, or this
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

interface Wait {
  id: string;
  /** When its next read is due (performance.now()). */
  dueAt: number;
  round: number;
  startedAt: number;
  timeoutMs: number | null;
  settle: (outcome: { job: JobRecord } | { error: unknown }) => void;
}

export class JobWatch {
  private readonly waits = new Set<Wait>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private reading = false;

  /** `delay`: the pause before a wait's next read (tests give a long one, to see a wake-up end it). */
  constructor(
    private readonly read: ReadJobs,
    private readonly delay: (round: number, waitedMs: number) => number = pollDelay,
  ) {}

  /** How many waits are under way. */
  get size(): number {
    return this.waits.size;
  }

  /** The job once finished; JobNotFoundError if it is (or goes) missing, WaitTimeoutError, the signal's reason, or the read's error. */
  wait(id: string, options: WaitOptions): Promise<JobRecord> {
    return new Promise<JobRecord>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) return reject(signal.reason);
      const now = performance.now();
      const onAbort = (): void => wait.settle({ error: signal!.reason });
      const wait: Wait = {
        id,
        dueAt: now,
        round: 0,
        startedAt: now,
        timeoutMs: options.timeoutMs,
        settle: (outcome) => {
          if (!this.waits.delete(wait)) return;
          signal?.removeEventListener('abort', onAbort);
          if ('job' in outcome) resolve(outcome.job);
          else reject(outcome.error);
        },
      };
      this.waits.add(wait);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.schedule(now);
    });
  }

  /** This process saw job `id` end: its waits read it again now. */
  wake(id: string): void {
    const now = performance.now();
    let woken = false;
    for (const wait of this.waits) {
      if (wait.id !== id) continue;
      wait.dueAt = now;
      woken = true;
    }
    if (woken) this.schedule(now);
  }

  private schedule(at: number): void {
    if (this.reading || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => void this.tick(), Math.max(0, at - performance.now()));
  }

  /** Read every job a wait is due to read, in chunks, and hand each wait its answer. */
  private async tick(): Promise<void> {
    this.timer = null;
    this.timerAt = Infinity;
    this.reading = true;
    try {
      const now = performance.now();
      const due = [...new Set([...this.waits].filter((w) => w.dueAt <= now).map((w) => w.id))];
      for (let i = 0; i < due.length; i += READ_CHUNK) {
        const ids = due.slice(i, i + READ_CHUNK);
        let jobs: Map<string, JobRecord>;
        try {
          jobs = new Map((await this.read(ids)).map((job) => [job.id, job]));
        } catch (error) {
          for (const wait of this.waitsOf(ids)) wait.settle({ error });
          continue;
        }
        for (const wait of this.waitsOf(ids)) this.answer(wait, jobs.get(wait.id) ?? null);
      }
    } finally {
      this.reading = false;
      let next = Infinity;
      for (const wait of this.waits) next = Math.min(next, wait.dueAt);
      if (next !== Infinity) this.schedule(next);
    }
  }

  private waitsOf(ids: string[]): Wait[] {
    const set = new Set(ids);
    return [...this.waits].filter((w) => set.has(w.id));
  }

  private answer(wait: Wait, job: JobRecord | null): void {
    if (job === null) return wait.settle({ error: new JobNotFoundError(wait.id) });
    if (FINISHED.has(job.status)) return wait.settle({ job });
    const now = performance.now();
    const waited = now - wait.startedAt;
    if (wait.timeoutMs !== null && waited >= wait.timeoutMs) return wait.settle({ error: new WaitTimeoutError(wait.id, wait.timeoutMs, job.status) });
    const left = wait.timeoutMs === null ? Infinity : wait.timeoutMs - waited;
    wait.dueAt = now + Math.min(this.delay(wait.round++, waited), left);
  }
}
