/**
 * Collects the settlements of runs that end close together and applies them in one store operation
 * (one transaction on SQLite, one statement on Postgres, one script on Redis).
 * A store error is retried with backoff: the job keeps its lock meanwhile (heartbeats go on), and if the lock
 * expires first, another worker runs the job again: at least once, never lost.
 */
import type { Logger } from './logger.js';
import type { Settlement, Store } from './store.js';

interface Pending {
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
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate lets every run that finished in this turn join the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.queue.length > 0) this.schedule();
        else for (const resolve of this.idle.splice(0)) resolve();
      });
    });
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
