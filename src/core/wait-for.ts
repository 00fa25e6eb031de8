/**
 * scheduler.waitFor(id): the job once it has finished (completed, failed or cancelled), whichever process runs
 * it. The store is the only thing every process shares, so the job is read again until it has finished: soon at
 * first (a short job ends within milliseconds), then every 250 ms, then every second once the wait passes 30 s
 * (pollDelay). A job this process's own worker settles, or this process cancels, wakes its waiters at once
 * (JobWaiters, fed by the scheduler's job:complete and job:cancel): they read it again then instead of at the
 * next poll. A read is one lookup by id on every store.
 */
import { JobNotFoundError, WaitTimeoutError } from './errors.js';
import { FINISHED } from './rules/insert.js';
import type { JobRecord } from './store.js';

/** How long to wait before reading the job again, after `round` reads that found it unfinished over `waitedMs`. */
export function pollDelay(round: number, waitedMs: number): number {
  if (waitedMs >= 30_000) return 1_000;
  return Math.min(250, 10 * 2 ** round);
}

/** The waits of one process, by job id, and how to cut each one's pause short. */
export class JobWaiters {
  private readonly byId = new Map<string, Set<() => void>>();

  get size(): number {
    return this.byId.size;
  }

  /** `wake` is called when this process sees job `id` end; returns the function that forgets it. */
  add(id: string, wake: () => void): () => void {
    let set = this.byId.get(id);
    if (!set) this.byId.set(id, (set = new Set()));
    set.add(wake);
    return () => {
      set.delete(wake);
      if (set.size === 0 && this.byId.get(id) === set) this.byId.delete(id);
    };
  }

  wake(id: string): void {
    for (const wake of this.byId.get(id) ?? []) wake();
  }
}

export interface Wait {
  id: string;
  /** null: no limit. */
  timeoutMs: number | null;
  signal: AbortSignal | undefined;
  read: () => Promise<JobRecord | null>;
  waiters: JobWaiters;
  /** The pause before the next read (tests give a longer one, to see a wake-up end it). */
  delay?: (round: number, waitedMs: number) => number;
}

/** The job once finished; JobNotFoundError if it is (or goes) missing, WaitTimeoutError, or the signal's reason. */
export async function waitUntilFinished(wait: Wait): Promise<JobRecord> {
  const started = performance.now();
  for (let round = 0; ; round++) {
    wait.signal?.throwIfAborted();
    const job = await wait.read();
    if (job === null) throw new JobNotFoundError(wait.id);
    if (FINISHED.has(job.status)) return job;
    const waited = performance.now() - started;
    if (wait.timeoutMs !== null && waited >= wait.timeoutMs) throw new WaitTimeoutError(wait.id, wait.timeoutMs, job.status);
    const left = wait.timeoutMs === null ? Infinity : wait.timeoutMs - waited;
    await pause(Math.min((wait.delay ?? pollDelay)(round, waited), left), wait);
  }
}

/** A pause that ends early when this process sees the job end, or the signal aborts. */
function pause(ms: number, wait: Wait): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      forget();
      wait.signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const forget = wait.waiters.add(wait.id, done);
    wait.signal?.addEventListener('abort', done, { once: true });
  });
}
