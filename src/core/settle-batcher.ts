/**
 * Collects the settlements of runs that end close together and applies them in one store operation
 * (one transaction on SQLite, one statement on Postgres, one script on Redis).
 * A store error is retried with backoff: the job keeps its lock meanwhile (heartbeats go on), and if the lock
 * expires first, another worker runs the job again: at least once, never lost.
 */
import { systemClock, type Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { Settlement } from './store.js';

export interface Pending {
  settlement: Settlement;
  resolve(applied: boolean): void;
}

export interface SettleBatcherOptions {
  /** Apply a batch in one store operation (Store.settle); per item, whether it was applied. */
  settle(batch: Settlement[]): Promise<boolean[]>;
  logger: Logger;
  /** Give up retrying after this long (the lock has expired by then; the job will run again elsewhere). */
  giveUpAfterMs: number;
  storeFailed(error: Error): void;
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

  submit(settlement: Settlement): Promise<boolean> {
    return new Promise((resolve) => {
      this.queue.push({ settlement, resolve });
      this.schedule();
    });
  }

  /** Resolves when everything submitted so far has been applied or given up. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing && !this.scheduled) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.idle.push(resolve));
    this.schedule(true);
    return done;
  }

  /** Hand the waiting outcomes to a combined settle-and-claim; the caller resolves them (or gives them back). */
  take(): Pending[] {
    return this.queue.splice(0, MAX_BATCH);
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
    const { clock, options } = this;
    const started = clock.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const applied = await options.settle(batch.map((p) => p.settlement));
        batch.forEach((p, i) => p.resolve(applied[i] === true));
        return;
      } catch (error) {
        options.storeFailed(error as Error);
        if (clock.now() - started > options.giveUpAfterMs) {
          options.logger.error({ err: error, jobs: batch.map((p) => p.settlement.id) }, 'could not record job outcomes; their locks expire and they will run again');
          batch.forEach((p) => p.resolve(false));
          return;
        }
        await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(MAX_RETRY_DELAY_MS, FIRST_RETRY_DELAY_MS * 2 ** attempt)));
      }
    }
  }
}
