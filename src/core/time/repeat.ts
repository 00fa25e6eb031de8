/**
 * Repeat specs (cron through croner, or fixed intervals) and their due-time arithmetic.
 *
 * Non-drifting: the next occurrence is computed from the previous DUE time, never from when a run finished.
 * Missed occurrences (no process was up): with catchUp 'latest' (default) the job runs once and continues from
 * the first due time after now; with 'all' every missed occurrence runs, oldest first, up to MAX_CATCH_UP.
 * DST follows croner: a wall-clock time skipped by spring-forward runs at the first valid time after the gap;
 * a time repeated by fall-back runs once, at its first occurrence.
 */
import { Cron } from 'croner';
import { InvalidCronError, ValidationError } from '../errors.js';
import type { Duration, RepeatOptions, RepeatSpec } from '../types.js';
import { looksLikeDuration, parseDuration, parsePositiveDuration } from './duration.js';
import { assertTimezone } from './timezone.js';

/** With catchUp 'all', at most this many missed occurrences are run; older ones are skipped. */
export const MAX_CATCH_UP = 100;

const CRON_FIELD = /^[\d*?/,LW#A-Za-z-]+$/;

/** True when text has the shape of a 5- or 6-field cron expression (or a croner nickname like '@daily'). */
export function looksLikeCron(text: string): boolean {
  const t = text.trim();
  if (/^@(yearly|annually|monthly|weekly|daily|hourly)$/i.test(t)) return true;
  const fields = t.split(/\s+/);
  return (fields.length === 5 || fields.length === 6) && fields.every((f) => CRON_FIELD.test(f)) && /[\d*]/.test(fields[0]!);
}

const cronCache = new Map<string, Cron>();

function cronFor(pattern: string, timezone: string, field: string): Cron {
  const key = `${timezone}\u0000${pattern}`;
  let cron = cronCache.get(key);
  if (!cron) {
    try {
      cron = new Cron(pattern, { timezone, paused: true });
    } catch (error) {
      throw new InvalidCronError(field, pattern, (error as Error).message.replace(/^CronPattern: /, ''));
    }
    if (cronCache.size > 1000) cronCache.clear();
    cronCache.set(key, cron);
  }
  return cron;
}

/** Validate a cron expression; throws InvalidCronError naming field and value. */
export function assertCron(pattern: unknown, field: string, timezone = 'UTC'): string {
  if (typeof pattern !== 'string' || pattern.trim() === '') throw new InvalidCronError(field, pattern, 'must be a non-empty string');
  const text = pattern.trim();
  const fields = text.split(/\s+/);
  if (!text.startsWith('@') && fields.length !== 5 && fields.length !== 6) {
    throw new InvalidCronError(field, pattern, `expected 5 or 6 fields, found ${fields.length}`);
  }
  const cron = cronFor(text, timezone, field);
  if (cron.nextRun(new Date()) === null) throw new InvalidCronError(field, pattern, 'never matches a future time');
  return text;
}

/** Normalise user repeat options to a stored spec; validates cron, timezone and interval. */
export function normaliseRepeat(repeat: RepeatOptions | undefined | null, field: string, defaultTimezone: string): RepeatSpec | null {
  if (repeat === undefined || repeat === null) return null;
  if (typeof repeat !== 'object') throw new ValidationError(field, repeat, 'must be { cron, timezone? } or { every }');
  const catchUp = (repeat as { catchUp?: unknown }).catchUp;
  if (catchUp !== undefined && catchUp !== 'latest' && catchUp !== 'all') {
    throw new ValidationError(`${field}.catchUp`, catchUp, "must be 'latest' or 'all'");
  }
  const jitter = parseJitter((repeat as { jitter?: unknown }).jitter, `${field}.jitter`);
  const extra = { ...(catchUp === 'all' ? { catchUp: 'all' as const } : {}), ...(jitter > 0 ? { jitter } : {}) };
  if ('cron' in repeat && repeat.cron !== undefined) {
    const timezone = assertTimezone(repeat.timezone ?? defaultTimezone, `${field}.timezone`);
    return orderedRepeat({ cron: assertCron(repeat.cron, `${field}.cron`, timezone), timezone, ...extra });
  }
  if ('every' in repeat && repeat.every !== undefined) {
    if (typeof repeat.every === 'string' && looksLikeCron(repeat.every) && !looksLikeDuration(repeat.every)) {
      throw new ValidationError(`${field}.every`, repeat.every, 'is a cron expression: use { cron } instead');
    }
    return orderedRepeat({ every: parsePositiveDuration(repeat.every, `${field}.every`), ...extra });
  }
  throw new ValidationError(field, repeat, 'must have a cron or an every property');
}

/**
 * A repeat spec with its keys in the one order every store gives them back: cron and timezone (or every), then
 * catchUp and jitter. A store may keep them otherwise (Redis sorts them, to compare specs in Lua) and puts them
 * back in order with this.
 */
export function orderedRepeat(r: RepeatSpec): RepeatSpec {
  const extra = { ...(r.catchUp !== undefined ? { catchUp: r.catchUp } : {}), ...(r.jitter !== undefined ? { jitter: r.jitter } : {}) };
  return 'cron' in r ? { cron: r.cron, timezone: r.timezone, ...extra } : { every: r.every, ...extra };
}

/** The largest jitter: offsets come from a 32-bit hash. */
export const MAX_JITTER = 0xffff_ffff;

/** A repeat's jitter option in ms (0: none). */
export function parseJitter(value: unknown, field: string): number {
  if (value === undefined) return 0;
  const jitter = parseDuration(value as Duration, field);
  if (jitter > MAX_JITTER) throw new ValidationError(field, value, `must be at most ${MAX_JITTER} ms (about 49 days)`);
  return jitter;
}

/**
 * How much later than its due time `dueAt` a repeating job with this spec and key runs: 0 without jitter,
 * else a value in [0, jitter] that looks random but every process computes alike (FNV-1a of key and due
 * time), so ten processes upserting one schedule agree, and one schedule's offsets vary from run to run.
 */
export function jitterOffset(spec: RepeatSpec, key: string, dueAt: number): number {
  if (!spec.jitter) return 0;
  let hash = 0x811c9dc5;
  const text = `${key}\u0000${dueAt}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % (spec.jitter + 1);
}

/** The first occurrence strictly after `after`. */
export function occurrenceAfter(spec: RepeatSpec, after: number): number {
  if ('every' in spec) return after + spec.every;
  const next = cronFor(spec.cron, spec.timezone, 'repeat.cron').nextRun(new Date(after));
  // A cron that has no further occurrence (a year field in the past) ends the repeat far in the future.
  return next ? next.getTime() : Number.MAX_SAFE_INTEGER;
}

/** First due time of a new repeating job created at `now`. Intervals run at once unless skipImmediate. */
export function firstOccurrence(spec: RepeatSpec, now: number, skipImmediate = false): number {
  if ('every' in spec) return skipImmediate ? now + spec.every : now;
  return occurrenceAfter(spec, now);
}

/**
 * The due time after a run of the occurrence `dueAt` finished at `now`.
 * A run started early (trigger) does not consume its occurrence: if dueAt is still ahead, it stays the next.
 */
export function nextOccurrence(spec: RepeatSpec, dueAt: number, now: number): number {
  if (dueAt > now) return dueAt;
  let next = occurrenceAfter(spec, dueAt);
  if (next > now) return next;
  if (spec.catchUp === 'all') {
    // Run missed occurrences one by one, but never more than MAX_CATCH_UP behind now.
    const floor = earliestCatchUp(spec, now);
    if (next >= floor) return next;
    if ('every' in spec) return dueAt + Math.ceil((floor - dueAt) / spec.every) * spec.every;
    return floor;
  }
  // Skip missed occurrences: the first one after now.
  if ('every' in spec) return dueAt + Math.ceil((now - dueAt + 1) / spec.every) * spec.every;
  next = occurrenceAfter(spec, now);
  return next;
}

/** The oldest occurrence catchUp 'all' will still run: MAX_CATCH_UP occurrences before now. */
function earliestCatchUp(spec: RepeatSpec, now: number): number {
  if ('every' in spec) return now - MAX_CATCH_UP * spec.every;
  const cron = cronFor(spec.cron, spec.timezone, 'repeat.cron');
  const previous = cron.previousRuns(MAX_CATCH_UP, new Date(now));
  const oldest = previous[previous.length - 1];
  return oldest ? oldest.getTime() : now;
}
