/**
 * Global rate limits in the claim (src/core/rules/rate.ts), inside the claim's write transaction: the room each
 * rate key has in its window now (rate-used.sql), and the claims taken logged at the claim's time (rate-log.sql),
 * the key's rows before its window dropped (rate-trim.sql).
 */
import type Database from 'better-sqlite3';
import { earliest, rateFreeAt, rateKey, ratedNames, type RateWindow } from '../../core/rules/rate.js';
import type { NameLimit } from '../../core/store.js';

type Prepare = (file: string) => Database.Statement;
type Rate = NonNullable<NameLimit['rate']>;

/** Room of (name, group)'s key in its window at `now`. */
export function rateRoomOf(stmt: Prepare, name: string, rate: Rate, group: string | null, now: number): number {
  const used = stmt('rate-used.sql').pluck().get({ name, key: rateKey(rate, group), since: now - rate.perMs }) as number;
  return Math.max(0, rate.max - used);
}

/** Log the claims taken now: `taken` holds each job's name and group. */
export function logRates(stmt: Prepare, rates: Map<string, Rate>, taken: { name: string; group: string | null }[], now: number): void {
  const counts = new Map<string, { name: string; key: string; n: number; rate: Rate }>();
  for (const job of taken) {
    const rate = rates.get(job.name);
    if (!rate) continue;
    const key = rateKey(rate, job.group);
    const id = `${job.name}\u0000${key}`;
    const entry = counts.get(id) ?? { name: job.name, key, n: 0, rate };
    entry.n++;
    counts.set(id, entry);
  }
  for (const { name, key, n, rate } of counts.values()) {
    stmt('rate-trim.sql').run({ name, key, since: now - rate.perMs });
    stmt('rate-log.sql').run({ name, key, now, n });
  }
}

/** Store.rateFreeAt: the earliest time one of these names' global rate windows gains room (rules/rate.ts). */
export function rateFreeAtRows(stmt: Prepare, limits: NameLimit[], now: number): number | null {
  return earliest(
    ratedNames(limits).map(({ name, rate }) => {
      const since = now - rate.perMs;
      if (!rate.byGroup) return rateFreeAt(rate, stmt('rate-free-name.sql').get({ name, since }) as RateWindow);
      // The count is not needed by group (rules/rate.ts): the earliest start alone, one index seek.
      return rateFreeAt(rate, { used: 0, oldest: stmt('rate-free-groups.sql').pluck().get({ name, since }) as number | null });
    }),
  );
}
