/**
 * Jobs claimed ahead of a free slot ("prefetch"), so a slot that frees up starts its next job at once while the
 * next claim and the last settle are still on their way. Agenda and Pulse lock ahead the same way (lockLimit
 * bounds it).
 *
 * Locking ahead only pays when jobs are short; with long jobs it would hoard work another process could run.
 * So the buffer is adaptive: it holds about SHORT_JOB_MS of work (slots × SHORT_JOB_MS / average duration, at
 * most maxAhead), and nothing once jobs average SHORT_JOB_MS or more. A job waits in it for about that long at
 * most, which also bounds how long a newly enqueued higher-priority job can wait behind it. Buffered jobs are locked in the store like running ones: heartbeats renew them, cancel
 * removes them, stop() releases them at once.
 */
import type { ClaimedJob } from './store.js';

/** Lock ahead only while handlers take less than this on average. */
export const SHORT_JOB_MS = 50;

export class ClaimBuffer {
  private readonly jobs: ClaimedJob[] = [];
  /** Moving average of handler durations (ms); Infinity until jobs have been seen. */
  private averageMs = Infinity;

  constructor(
    /** The prefetch: set once the scheduler knows its store (Worker.holdLimits). */
    public maxAhead: number,
    private readonly slots: number,
  ) {}

  get size(): number {
    return this.jobs.length;
  }

  /** How many jobs to hold beyond the free slots right now. */
  get ahead(): number {
    if (!(this.averageMs < SHORT_JOB_MS)) return 0;
    return Math.min(this.maxAhead, Math.ceil((this.slots * SHORT_JOB_MS) / Math.max(this.averageMs, 0.01)));
  }

  recordDuration(ms: number): void {
    this.averageMs = this.averageMs === Infinity ? ms : this.averageMs * 0.9 + ms * 0.1;
  }

  push(jobs: ClaimedJob[]): void {
    this.jobs.push(...jobs);
  }

  /** The next job to start (claim order is kept: priority, then due time). */
  shift(): ClaimedJob | undefined {
    return this.jobs.shift();
  }

  remove(id: string): ClaimedJob | undefined {
    const index = this.jobs.findIndex((j) => j.id === id);
    return index === -1 ? undefined : this.jobs.splice(index, 1)[0];
  }

  /** Everything buffered, emptying the buffer (stop). */
  takeAll(): ClaimedJob[] {
    return this.jobs.splice(0);
  }

  all(): readonly ClaimedJob[] {
    return this.jobs;
  }

  countByName(into: Map<string, number>): void {
    for (const job of this.jobs) into.set(job.name, (into.get(job.name) ?? 0) + 1);
  }
}
