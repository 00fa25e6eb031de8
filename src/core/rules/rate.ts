/**
 * The rules of a global rate limit (define's rateLimit with scope 'global'; NameLimit.rate), written once (see
 * claim.ts for how stores use them).
 *
 * The store keeps a log of claims per *rate key*: the name (rateKey(name, null)), or with `byGroup` the name and
 * the job's group (jobs without a group sharing the name's key). A claim may take a job only while its key has
 * room: `max` less the claims logged in the window (now - perMs, now]. So at most `max` claims fall in any
 * window of `perMs`, across every process sharing the store. Each job taken is logged at the claim's `now`, in
 * the same atomic operation. A throttled job is simply not taken: it holds no lock, and other names go on.
 *
 * How it composes with the other caps: a name-wide rate limits the name's allowance (NameAllowance) beside
 * `localFree` and `global`; a per-group rate limits each group's turns in the rotation beside
 * `groupConcurrency` (rules/groups.ts), and the ungrouped jobs of that name by their shared key.
 */
import type { NameLimit, RateWindow } from '../store.js';

/** The key a job's claim is logged under, for its name's rate. '' stands for "no group" (groups are never ''). */
export function rateKey(rate: NonNullable<NameLimit['rate']>, group: string | null): string {
  return rate.byGroup && group !== null ? group : '';
}

/** Room left in the window: `max` less the claims logged after now - perMs (`times`: the key's log). */
export function rateRoom(rate: NonNullable<NameLimit['rate']>, times: readonly number[], now: number): number {
  let used = 0;
  for (const at of times) if (at > now - rate.perMs) used++;
  return Math.max(0, rate.max - used);
}

export type { RateWindow } from '../store.js';

/** The model's answer from a key's log (claim times, one entry per claim). */
export function rateWindowOf(times: readonly number[], perMs: number, now: number): RateWindow {
  const inside = times.filter((at) => at > now - perMs && at <= now);
  return { used: inside.length, oldest: inside.length ? Math.min(...inside) : null };
}
