/**
 * When the worker's claim loop runs next. Between claims the loop sleeps (sleep(), at most a poll interval);
 * it wakes early when there may be work: kick() (a slot freed up, this process enqueued due work, the store
 * hinted that another process did) or wakeAt(t) for a due time this process knows of. No timer is longer than
 * MAX_TIMER_MS: a longer wait is re-armed, so a machine that was suspended catches up soon after it wakes.
 */
import type { Clock, Timer } from './clock.js';

export const MAX_TIMER_MS = 30_000;

export class Wakeup {
  private running = false;
  /** A kick came while the loop was not sleeping: its next sleep returns at once. */
  private woken = false;
  private wake: (() => void) | null = null;
  private dueTimer: Timer | null = null;
  private dueAt = Infinity;
  /**
   * A kick came since the loop last began a pass, so a claim is coming: outcomes may wait to travel with it
   * (Store.settleAndClaim). The loop resets it with beginPass().
   */
  claimExpected = false;

  constructor(private readonly clock: Clock) {}

  start(): void {
    this.running = true;
  }

  /** No more wake-ups: the loop is woken once so it sees the stop, and the due timer goes. */
  stop(): void {
    this.running = false;
    this.claimExpected = false;
    this.kick();
    this.clearDue();
  }

  /** Claim soon: there may be due work. Wakes the loop if it sleeps, or its next sleep returns at once. */
  kick(): void {
    if (this.running) this.claimExpected = true;
    if (this.wake) this.wake();
    else this.woken = true;
  }

  /** A job becomes due at `at`: claim then, not a poll interval later. Only the earliest due time is kept. */
  wakeAt(at: number): void {
    if (!this.running) return;
    const delay = at - this.clock.now();
    if (delay <= 0) return this.kick();
    if (at >= this.dueAt) return;
    this.clearDue();
    this.dueAt = at;
    // +1: a timer may fire a little early, and the job is due only once now >= at.
    const timer = this.clock.setTimeout(() => this.dueTimerFired(), Math.min(delay + 1, MAX_TIMER_MS));
    timer.unref?.();
    this.dueTimer = timer;
  }

  beginPass(): void {
    this.claimExpected = false;
  }

  /** Wait for a kick or `ms`, whichever comes first. A kick that came since the last sleep returns at once. */
  sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      // Cleared whichever way the sleep ends: a kick after a sleep that timed out must not be spent on it.
      const done = () => {
        this.clock.clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = this.clock.setTimeout(done, ms);
      this.wake = done;
    });
  }

  private dueTimerFired(): void {
    this.dueTimer = null;
    const target = this.dueAt;
    this.dueAt = Infinity;
    if (this.clock.now() >= target) this.kick();
    else this.wakeAt(target); // a capped timer: re-arm for the rest
  }

  private clearDue(): void {
    if (this.dueTimer) this.clock.clearTimeout(this.dueTimer);
    this.dueTimer = null;
    this.dueAt = Infinity;
  }
}
