/**
 * Jobs claimed ahead of a free slot ("prefetch"), so a slot that frees up starts its next job at once while the
 * next claim and the last settle are still on their way. Agenda and Pulse lock ahead the same way (lockLimit
 * bounds it).
 *
 * Locking ahead only pays when jobs are short; with long jobs it would hoard work another process could run.
 * So the buffer is adaptive: it asks for jobs ahead only while the recent average handler duration is below
 * SHORT_JOB_MS. Buffered jobs are locked in the store like running ones: heartbeats renew them, cancel
 * removes them, stop() releases them at once.
 */
import type { ClaimedJob } from './store.js';

/** Lock ahead only while handlers take less than this on average. */
export const SHORT_JOB_MS = 50;

export class ClaimBuffer {
  private readonly jobs: ClaimedJob[] = [];
  /** Moving average of handler durations (ms); Infinity until jobs have been seen. */
  private averageMs = Infinity;

  constructor(private readonly maxAhead: number) {}

  get size(): number {
    return this.jobs.length;
  }

  /** How many jobs to hold beyond the free slots right now. */
  get ahead(): number {
    return this.averageMs < SHORT_JOB_MS ? this.maxAhead : 0;
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
