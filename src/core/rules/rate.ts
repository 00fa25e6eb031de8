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

/** The RateWindow of some logs together at `now` (the model's read for rateFreeAt; the stores read it with one seek). */
export function windowOf(rate: NonNullable<NameLimit['rate']>, logs: Iterable<readonly number[]>, now: number): RateWindow {
  let used = 0;
  let oldest: number | null = null;
  for (const times of logs) {
    for (const at of times) {
      if (at <= now - rate.perMs) continue;
      used++;
      if (oldest === null || at < oldest) oldest = at;
    }
  }
  return { used, oldest };
}

/**
 * When a claim that a global rate held back should be tried again (Store.rateFreeAt), for one name: the time
 * its window gains room, so a worker waits for that instead of its next poll (worker.ts).
 *   - name-wide (`window`: its key '' in the window): when the window is full (no room), its oldest start +
 *     perMs (with a max lowered since, the first of several steps); null while it has room (the rate held
 *     nothing back);
 *   - by group (`window`: every key of the name, its groups' and the ungrouped one): the earliest start still
 *     in any of them + perMs. A lower bound of when a full group's window gains room: finding the full ones
 *     would read every group's log, and a wake that finds nothing to claim asks again, at most once per start.
 * Always after `now` (a start in the window is after now - perMs), or null.
 */
export function rateFreeAt(rate: NonNullable<NameLimit['rate']>, window: RateWindow): number | null {
  if (window.oldest === null || (!rate.byGroup && window.used < rate.max)) return null;
  return window.oldest + rate.perMs;
}

/** The earliest rateFreeAt of several names (null: none of them is held back by its rate). */
export function earliest(times: Iterable<number | null>): number | null {
  let min: number | null = null;
  for (const t of times) if (t !== null && (min === null || t < min)) min = t;
  return min;
}

/** The names of `limits` with a global rate, each once (the last entry of a name listed twice, as the claim). */
export function ratedNames(limits: readonly NameLimit[]): { name: string; rate: NonNullable<NameLimit['rate']> }[] {
  const last = new Map<string, NameLimit>();
  for (const limit of limits) last.set(limit.name, limit);
  return [...last.values()].flatMap((l) => (l.rate ? [{ name: l.name, rate: l.rate }] : []));
}
