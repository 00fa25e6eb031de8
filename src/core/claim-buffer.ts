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

/**
 * Held as the claims' own arrays (`jobs` from `head` on), never pushed into one array kept for the worker's life:
 * that array's storage would be in V8's old generation, each claim's young jobs written into it, and a storage
 * it outgrew or dropped kept pointing at the jobs, which the young-generation collector then kept alive into the
 * old generation (see run-set.ts for the same effect with a Map).
 */
export class ClaimBuffer {
  private jobs: ClaimedJob[] = [];
  /** The first job not yet taken: those before it are already taken (blanked). */
  private head = 0;
  /** Moving average of handler durations (ms); Infinity until jobs have been seen. */
  private averageMs = Infinity;

  constructor(
    /** The prefetch: set once the scheduler knows its store (Worker.holdLimits). */
    public maxAhead: number,
    private readonly slots: number,
  ) {}

  get size(): number {
    return this.jobs.length - this.head;
  }

  /** How many jobs to hold beyond the free slots right now. */
  get ahead(): number {
    if (!(this.averageMs < SHORT_JOB_MS)) return 0;
    return Math.min(this.maxAhead, Math.ceil((this.slots * SHORT_JOB_MS) / Math.max(this.averageMs, 0.01)));
  }

  recordDuration(ms: number): void {
    this.averageMs = this.averageMs === Infinity ? ms : this.averageMs * 0.9 + ms * 0.1;
  }

  /** Add a claim's jobs after those held (a copy of its array: taking a job blanks its place). */
  push(jobs: ClaimedJob[]): void {
    if (jobs.length === 0) return;
    this.jobs = this.size === 0 ? jobs.slice() : this.held().concat(jobs);
    this.head = 0;
  }

  /** The next job to start (claim order is kept: priority, then due time). */
  shift(): ClaimedJob | undefined {
    if (this.head >= this.jobs.length) return undefined;
    const job = this.jobs[this.head]!;
    // Blanked, not kept: the array may outlive the job (until the buffer's last job is taken).
    this.jobs[this.head++] = undefined as unknown as ClaimedJob;
    if (this.head === this.jobs.length) this.empty();
    return job;
  }

  remove(id: string): ClaimedJob | undefined {
    const held = this.held();
    const index = held.findIndex((j) => j.id === id);
    if (index === -1) return undefined;
    const [job] = held.splice(index, 1);
    this.jobs = held;
    this.head = 0;
    return job;
  }

  /** Everything buffered, emptying the buffer (stop). */
  takeAll(): ClaimedJob[] {
    const held = this.held();
    this.empty();
    return held;
  }

  /** The jobs held, in order (a copy). */
  all(): readonly ClaimedJob[] {
    return this.held();
  }

  countByName(into: Map<string, number>): void {
    for (let i = this.head; i < this.jobs.length; i++) {
      const name = this.jobs[i]!.name;
      into.set(name, (into.get(name) ?? 0) + 1);
    }
  }

  private held(): ClaimedJob[] {
    return this.jobs.slice(this.head);
  }

  private empty(): void {
    this.jobs = [];
    this.head = 0;
  }
}
