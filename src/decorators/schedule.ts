/**
 * A decorator's schedule and config, checked when the decorator is evaluated (that is, when the class is
 * defined), so a typo in a cron expression fails at import with the job's name in the error, not at 2 a.m.
 *
 * The config keeps the seed's names and meanings:
 * - retries: re-runs after a failed first run. hourglass counts the first run in `attempts`, so
 *   attempts = retries + 1.
 * - timeout: the seed's "minimum amount of time to wait between retries" (default 10 s): a fixed backoff.
 *   It is NOT a limit on how long a run takes (that is maxComputeTime).
 * - maxComputeTime: the seed's "how long a job would take", which it used as the lifetime of the job's lock.
 *   hourglass renews its own leases while a handler runs, so a lock lifetime would only delay recovery after a
 *   crash; instead it becomes the hard limit of one run (hourglass's `timeout`): past it, ctx.signal aborts
 *   and the attempt fails with JobTimeoutError, then retries like any failure. Default 1 h, as in the seed.
 */
import { ValidationError } from '../core/errors.js';
import { assertKnownKeys } from '../core/normalise.js';
import { looksLikeDuration, parseDuration, parsePositiveDuration } from '../core/time/duration.js';
import { assertCron } from '../core/time/repeat.js';
import { assertTimezone } from '../core/time/timezone.js';
import type { Duration } from '../core/types.js';
import { assertInt } from '../core/validate.js';

export interface JobConfig {
  /** Re-runs after a failure; 0 = run once. attempts = retries + 1. Default 0. */
  retries?: number;
  /** Wait before each retry ('10s', '5m' or ms). Default '10s'. Not a run-time limit: see maxComputeTime. */
  timeout?: Duration;
  /** Longest one run may take; then ctx.signal aborts and the attempt fails (JobTimeoutError). Default '1h'. */
  maxComputeTime?: Duration;
  /** For a @query pair: most items running at once, across every process sharing the store. Default: no cap. */
  concurrency?: number;
  /** IANA time zone of a cron schedule. Default: the scheduler's (UTC unless set). */
  timezone?: string;
}

/** A validated schedule and the policy a decorated job runs under. */
export interface JobSchedule {
  /** The schedule as written, for messages and listings. */
  written: string | number;
  /** What every() receives: a cron expression, or an interval in ms. */
  interval: string | number;
  kind: 'cron' | 'interval';
  timezone?: string;
  attempts: number;
  retryDelayMs: number;
  maxComputeTimeMs: number;
  concurrency?: number;
}

export const DEFAULT_RETRY_DELAY = '10s';
export const DEFAULT_MAX_COMPUTE_TIME = '1h';

/** The convenience decorators' cron expressions (minute hour day-of-month month day-of-week). */
export const PRESETS = {
  hourly: '0 * * * *', // minute 0 of every hour
  daily: '0 0 * * *', // midnight
  weekly: '0 0 * * 0', // Sunday, midnight
  monthly: '0 0 1 * *', // the 1st, midnight
} as const;

const CONFIG_KEYS = ['retries', 'timeout', 'maxComputeTime', 'concurrency', 'timezone'];

/** `field` names the decorator, e.g. '@job("sync")'; errors name `${field}.schedule` or `${field}.config.x`. */
export function parseJobSchedule(schedule: unknown, config: unknown, field: string): JobSchedule {
  if (config !== undefined && (config === null || typeof config !== 'object' || Array.isArray(config))) {
    throw new ValidationError(`${field}.config`, config, 'must be an object such as { retries, timeout, maxComputeTime }');
  }
  const c = (config ?? {}) as JobConfig;
  assertKnownKeys(c, CONFIG_KEYS, `${field}.config`);
  const timezone = c.timezone === undefined ? undefined : assertTimezone(c.timezone, `${field}.config.timezone`);
  const retries = c.retries === undefined ? 0 : assertInt(c.retries, `${field}.config.retries`, 0);
  const result: JobSchedule = {
    written: schedule as string | number,
    ...parseInterval(schedule, `${field}.schedule`, timezone),
    attempts: retries + 1,
    retryDelayMs: parseDuration(c.timeout ?? DEFAULT_RETRY_DELAY, `${field}.config.timeout`),
    maxComputeTimeMs: parsePositiveDuration(c.maxComputeTime ?? DEFAULT_MAX_COMPUTE_TIME, `${field}.config.maxComputeTime`),
  };
  if (timezone !== undefined) {
    if (result.kind !== 'cron') throw new ValidationError(`${field}.config.timezone`, timezone, 'applies only to a cron schedule');
    result.timezone = timezone;
  }
  if (c.concurrency !== undefined) result.concurrency = assertInt(c.concurrency, `${field}.config.concurrency`, 1);
  return result;
}

/** A cron expression (5 or 6 fields, or a nickname such as '@daily') or an interval ('5m', '30 seconds', ms). */
function parseInterval(schedule: unknown, field: string, timezone: string | undefined): Pick<JobSchedule, 'interval' | 'kind'> {
  if (typeof schedule === 'number') return { interval: parsePositiveDuration(schedule, field), kind: 'interval' };
  if (typeof schedule !== 'string' || schedule.trim() === '') {
    throw new ValidationError(field, schedule, "must be a cron expression such as '0 9 * * *' or an interval such as '5m'", 'INVALID_INTERVAL');
  }
  const text = schedule.trim();
  if (looksLikeDuration(text)) return { interval: parsePositiveDuration(text, field), kind: 'interval' };
  // Anything with spaces or a leading '@' was meant as cron: let the cron parser say what is wrong with it.
  if (/\s/.test(text) || text.startsWith('@')) return { interval: assertCron(text, field, timezone ?? 'UTC'), kind: 'cron' };
  throw new ValidationError(field, schedule, "must be a cron expression such as '0 9 * * *' or an interval such as '5m'", 'INVALID_INTERVAL');
}
