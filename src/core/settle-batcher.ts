/**
 * Collects the settlements of runs that end close together and applies them in one store operation
 * (one transaction on SQLite, one statement on Postgres, one script on Redis).
 * A store error is retried with backoff: the job keeps its lock meanwhile (heartbeats go on), and if the lock
 * expires first, another worker runs the job again: at least once, never lost. A call that does not answer in
 * `callTimeoutMs` counts as an error and is sent again: the store answers "applied" to a settlement it already
 * applied (Store.settle), so the run's events are not lost to a slow answer.
 */
import { withTimeout } from './timeout.js';
import { systemClock, type Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Settlement } from './store.js';

/**
 * A settlement waiting for the store, and whom to tell whether it was applied. A callback, not a promise: on the
 * hot path the JobRun itself is the Pending (job-run.ts), so settling a run allocates nothing of its own.
 */
export interface Pending {
  settlement: Settlement;
  settled(applied: boolean): void;
}

export interface SettleBatcherOptions {
  /** Apply a batch in one store operation (Store.settle); per item, whether it was applied. */
  settle(batch: Settlement[]): Promise<boolean[]>;
  logger: Logger;
  /** Give up retrying after this long (the lock has expired by then; the job will run again elsewhere). */
  giveUpAfterMs: number;
  storeFailed(error: Error): void;
  /** How long one settle call may take before it is treated as failed (and retried). Default: no limit. */
  callTimeoutMs?(): number;
  /**
   * True while the worker is about to claim with a store that settles and claims in one operation: outcomes
   * then wait for that claim (take()) instead of costing a round trip of their own.
   */
  deferToClaim?(): boolean;
  /** Measures the give-up time and paces the retries. Default: the system clock. */
  clock?: Clock;
}

export const MAX_BATCH = 500;
/** Retry delays double from this, up to MAX_RETRY_DELAY_MS. */
export const FIRST_RETRY_DELAY_MS = 100;
export const MAX_RETRY_DELAY_MS = 5000;

export class SettleBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;
  private idle: (() => void)[] = [];
  private forced = false;
  private readonly clock: Clock;

  constructor(private readonly options: SettleBatcherOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Queue a settlement; resolves with whether the store applied it (false: the lease was lost). */
  submit(settlement: Settlement): Promise<boolean> {
    return new Promise((resolve) => this.add({ settlement, settled: resolve }));
  }

  /** Queue a settlement; `pending.settled(applied)` is called once the store applied it or it was given up. */
  add(pending: Pending): void {
    this.queue.push(pending);
    this.schedule();
  }

  /** Resolves when everything submitted so far has been applied or given up. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing && !this.scheduled) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    this.schedule(true);
    return done;
  }

  /**
   * Hand every waiting outcome to a combined settle-and-claim; the caller tells them (or gives them back). All
   * of them, not MAX_BATCH: a claim of more than MAX_BATCH jobs (a large prefetch) would otherwise leave more
   * outcomes behind than it takes, and the queue would grow with every claim while they wait for the next.
   */
  take(): Pending[] {
    return this.queue.splice(0);
  }

  /** Outcomes taken but not applied (the combined call failed, or there was no claim): settle them on their own. */
  giveBack(pending: Pending[]): void {
    if (pending.length === 0) return;
    this.queue.unshift(...pending);
    this.schedule(true);
  }

  private schedule(force = false): void {
    // A forced request (drain, giveBack) also forces a flush already scheduled, and holds until the queue is
    // empty: outcomes given back or drained must not wait for a claim that may never come.
    if (force) this.forced = true;
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate lets every run that finished in this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0) return this.settleIdle();
      if (!this.forced && this.options.deferToClaim?.()) return; // the worker's next claim takes them
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
        else this.settleIdle();
      });
    });
  }

  private settleIdle(): void {
    if (this.queue.length > 0 || this.flushing) return;
    this.forced = false;
    for (const resolve of this.idle.splice(0)) resolve();
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    const settlements = new Array<Settlement>(batch.length);
    for (let i = 0; i < batch.length; i++) settlements[i] = batch[i]!.settlement;
    const { clock, options } = this;
    const started = clock.now();
    for (let attempt = 0; ; attempt++) {
      let applied: boolean[];
      try {
        const call = options.settle(settlements);
        applied = await (options.callTimeoutMs ? withTimeout(call, options.callTimeoutMs(), 'recording job outcomes', clock) : call);
      } catch (error) {
        options.storeFailed(error as Error);
        if (clock.now() - started > options.giveUpAfterMs) {
          options.logger.error({ err: error, jobs: settlements.map((s) => s.id) }, 'could not record job outcomes; their locks expire and they will run again');
          settledAll(batch, null, options.logger);
          return;
        }
        await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** attempt)));
        continue;
      }
      // Outside the try: only the store's failure is retried.
      settledAll(batch, applied, options.logger);
      return;
    }
  }
}

/**
 * Tell each waiting caller whether its settlement was applied (`applied` null: none was). A callback should
 * not throw; one that does is logged, and the others still learn theirs.
 */
export function settledAll(batch: readonly Pending[], applied: readonly boolean[] | null, logger: Logger): void {
  for (let i = 0; i < batch.length; i++) {
    try {
      batch[i]!.settled(applied !== null && applied[i] === true);
    } catch (error) {
      logger.error({ err: error, jobId: batch[i]!.settlement.id }, 'internal error after recording a job outcome');
    }
  }
}
