/** A Clock (src/core/clock.ts) whose time moves only when a test says so. */
import type { Clock, Timer } from '../../src/core/clock.js';

interface FakeTimer extends Timer {
  at: number;
  seq: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  private timers: FakeTimer[] = [];
  private seq = 0;
  private waiters: ((delay: number) => void)[] = [];

  constructor(public time = 1_000_000) {}

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const timer: FakeTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    for (const resolve of this.waiters.splice(0)) resolve(ms);
    return timer;
  }

  clearTimeout(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
  }

  /** Delays from now of the timers still set, soonest first. */
  get pending(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }

  /** Move time forward by `ms`, firing each timer that falls due at its own time, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
    }
    this.time = end;
  }

  /** Resolves with its delay when code under test next sets a timer (it may do so after an await). */
  timerSet(): Promise<number> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
