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
    const parsed = /^\d+(\.\d+)?$/.test(text) ? Number(text) : msOf(text);
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

/** The longest delay a Node timer takes: a longer one fires after 1 ms (TimeoutOverflowWarning). */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * A duration this process waits for with a timer (a job's timeout, a lease's lifetime, from which heartbeats and
 * store-call timeouts follow): positive, and at most MAX_TIMER_DELAY_MS (about 24.8 days). A longer one would
 * make Node fire the timer at once: every run would time out, every store call give up.
 */
export function parseTimerDuration(value: Duration, field: string): number {
  const parsed = parsePositiveDuration(value, field);
  if (parsed > MAX_TIMER_DELAY_MS) throw new InvalidDurationError(field, value, `must be at most ${MAX_TIMER_DELAY_MS} ms (about 24.8 days)`);
  return parsed;
}

/** True when text reads as a duration rather than a cron expression or a date. */
export function looksLikeDuration(text: string): boolean {
  return msOf(text.trim()) !== undefined;
}

/** `ms` on text, undefined where it has no answer: it throws on an empty text rather than saying so. */
function msOf(text: string): number | undefined {
  return text === '' ? undefined : (ms as (s: string) => number | undefined)(text);
}
