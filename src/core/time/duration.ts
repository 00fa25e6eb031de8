/** Durations: a number of ms, or text such as '10s', '5m', '2h', '1d', '5 minutes' (parsed by `ms`). */
import ms from 'ms';
import { InvalidDurationError } from '../errors.js';
import type { Duration } from '../types.js';

/** Parse a duration to whole milliseconds ≥ 0; throws InvalidDurationError naming `field`. */
export function parseDuration(value: Duration, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new InvalidDurationError(field, value, 'must be a finite number of milliseconds ≥ 0');
    return Math.round(value);
  }
  if (typeof value === 'string') {
    const text = value.trim();
    const parsed = /^\d+(\.\d+)?$/.test(text) ? Number(text) : (ms as (s: string) => number | undefined)(text);
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) throw new InvalidDurationError(field, value);
    return Math.round(parsed);
  }
  throw new InvalidDurationError(field, value);
}

/** Like parseDuration but also rejects 0 (an interval of 0 would spin). */
export function parsePositiveDuration(value: Duration, field: string): number {
  const parsed = parseDuration(value, field);
  if (parsed <= 0) throw new InvalidDurationError(field, value, 'must be longer than 0 ms');
  return parsed;
}

/** True when text reads as a duration rather than a cron expression or a date. */
export function looksLikeDuration(text: string): boolean {
  return (ms as (s: string) => number | undefined)(text.trim()) !== undefined;
}
