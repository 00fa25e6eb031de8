/**
 * Collects the settlements of runs that end close together and applies them in one store operation
 * (one transaction on SQLite, one statement on Postgres, one script on Redis).
 * A store error is retried with backoff: the job keeps its lock meanwhile (heartbeats go on), and if the lock
 * expires first, another worker runs the job again: at least once, never lost.
 */
import type { Logger } from './logger.js';
import type { Settlement, Store } from './store.js';

export interface Pending {
  settlement: Settlement;
  resolve(applied: boolean): void;
}

const MAX_BATCH = 500;

export class SettleBatcher {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> | null = null;
  private idle: (() => void)[] = [];

  constructor(
    private readonly store: () => Store,
    private readonly logger: Logger,
    /** Give up retrying after this long (the lock has expired by then; the job will run again elsewhere). */
    private readonly giveUpAfterMs: () => number,
    private readonly onStoreError: (error: Error) => void,
    /**
     * True while the worker is about to claim with a store that can settle and claim in one operation:
     * outcomes then wait for that claim (take()) instead of costing a round trip of their own.
     */
    private readonly shouldDefer: () => boolean = () => false,
  ) {}

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

  /** Outcomes taken but not applied (the combined call failed): settle them on their own, with retries. */
  giveBack(pending: Pending[]): void {
    if (pending.length === 0) return;
    this.queue.unshift(...pending);
    this.schedule(true);
  }

  private schedule(force = false): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate lets every run that finished in this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      if (this.queue.length === 0) return this.settleIdle();
      if (!force && this.shouldDefer()) return; // the worker's next claim takes them
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
        else this.settleIdle();
      });
    });
  }

  private settleIdle(): void {
    if (this.queue.length === 0 && !this.flushing) for (const resolve of this.idle.splice(0)) resolve();
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, MAX_BATCH);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        const applied = await this.store().settle(batch.map((p) => p.settlement));
        batch.forEach((p, i) => p.resolve(applied[i] === true));
        return;
      } catch (error) {
        this.onStoreError(error as Error);
        if (Date.now() - started > this.giveUpAfterMs()) {
          this.logger.error({ err: error, jobs: batch.map((p) => p.settlement.id) }, 'could not record job outcomes; their locks expire and they will run again');
          batch.forEach((p) => p.resolve(false));
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)));
      }
    }
  }
}
