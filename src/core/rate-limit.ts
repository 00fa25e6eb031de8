/**
 * Throttling per job name, in this process: at most `max` runs start in any window of `perMs` (a sliding
 * window over the start times, so a burst cannot straddle two fixed windows and run twice the rate).
 *
 * It shapes the claim rather than delaying started jobs: a throttled name is claimed at most as many times as
 * it may start now (its NameLimit.localFree), so nothing sits locked waiting for a token, and the worker is
 * woken when the oldest start leaves the window. Per process by design: each scheduler throttles its own
 * starts (N processes run up to N × max); `concurrency` is the cap that holds across processes.
 */
import type { NameLimit } from './store.js';

export interface RateLimit {
  max: number;
  perMs: number;
}

export class RateLimiter {
  /** Start times inside the window, oldest first, per throttled name. */
  private readonly starts = new Map<string, number[]>();

  constructor(private readonly limitOf: (name: string) => RateLimit | undefined) {}

  /** Runs of `name` that may start now (Infinity when it is not throttled). */
  room(name: string, now: number): number {
    const limit = this.limitOf(name);
    if (!limit) return Infinity;
    return limit.max - this.recent(name, limit, now).length;
  }

  /** A run of `name` starts now. */
  record(name: string, now: number): void {
    const limit = this.limitOf(name);
    if (!limit) return;
    const recent = this.recent(name, limit, now);
    recent.push(now);
    this.starts.set(name, recent);
  }

  /** When `name` may start again, if it is throttled now. */
  nextFree(name: string, now: number): number | null {
    const limit = this.limitOf(name);
    if (!limit) return null;
    const recent = this.recent(name, limit, now);
    return recent.length < limit.max ? null : recent[recent.length - limit.max]! + limit.perMs;
  }

  /**
   * Shape a claim: each throttled name among `names` is claimed at most as often as it may start now, less its
   * jobs already claimed ahead (`held`). Returns the earliest time a name with no room may start again (the
   * worker wakes then), or null.
   */
  limitClaim(names: Iterable<string>, limits: NameLimit[], held: readonly { name: string }[], now: number): number | null {
    let wakeAt: number | null = null;
    for (const name of names) {
      if (!this.limitOf(name)) continue;
      let ahead = 0;
      for (const job of held) if (job.name === name) ahead++;
      const room = Math.max(0, this.room(name, now) - ahead);
      let limit = limits.find((l) => l.name === name);
      if (!limit) limits.push((limit = { name }));
      limit.localFree = Math.min(limit.localFree ?? Infinity, room);
      if (room > 0) continue;
      const free = this.nextFree(name, now);
      if (free !== null && (wakeAt === null || free < wakeAt)) wakeAt = free;
    }
    return wakeAt;
  }

  private recent(name: string, limit: RateLimit, now: number): number[] {
    const list = this.starts.get(name) ?? [];
    let drop = 0;
    while (drop < list.length && list[drop]! <= now - limit.perMs) drop++;
    if (drop > 0) list.splice(0, drop);
    return list;
  }
}
