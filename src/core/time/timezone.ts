/** IANA time zone validation and offsets, from the platform's Intl (no tz database of our own). */
import { InvalidTimezoneError } from '../errors.js';

const known = new Map<string, boolean>();

export function assertTimezone(timezone: unknown, field: string): string {
  if (typeof timezone !== 'string' || timezone.trim() === '') throw new InvalidTimezoneError(field, timezone);
  let ok = known.get(timezone);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
      ok = true;
    } catch {
      ok = false;
    }
    known.set(timezone, ok);
  }
  if (!ok) throw new InvalidTimezoneError(field, timezone);
  return timezone;
}

/** Offset of `timezone` from UTC at `at`, in minutes (New York in winter: -300). */
export function offsetMinutes(timezone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}
