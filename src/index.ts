/**
 * hourglass-jobs: persistent background jobs and schedules for Node.js.
 * This entry point loads no database driver; stores come from hourglass-jobs/sqlite, hourglass-jobs/postgres,
 * hourglass-jobs/redis, hourglass-jobs/memory, or storeFromUrl() (which loads only the driver its URL needs).
 */
export { Scheduler, repeatFromText, type SchedulerOptions } from './core/scheduler.js';
export * from './core/errors.js';
export * from './core/types.js';
export type * from './core/store.js';
export { createLogger, silentLogger, childLogger, type Logger, type LogFn, type LogLevel } from './core/logger.js';
export { storeFromUrl, DriverMissingError, type DriverName } from './core/store-url.js';
export type { FinishedRetention, RetentionOptions } from './core/retention.js';
export type { ProcessInfo } from './core/processes.js';
export type { ActivityReport } from './core/activity.js';
export { WEBHOOK_JOB, WEBHOOK_EVENTS, type WebhookOptions, type WebhookEvent, type WebhookPayload } from './core/webhooks.js';
export { parseDuration } from './core/time/duration.js';
export { parseWhen } from './core/time/when.js';
export { PRIORITIES, parsePriority } from './core/time/priority.js';
export { assertCron, normaliseRepeat, nextOccurrence, occurrenceAfter, firstOccurrence, MAX_CATCH_UP } from './core/time/repeat.js';
export { assertTimezone } from './core/time/timezone.js';
