/**
 * hourglass/decorators: cron groups and queued queries as decorated classes (both TypeScript's legacy
 * `experimentalDecorators` and TC39 standard decorators), registered on a Scheduler with registerJobs().
 * Loads no database driver: the scheduler passed in brings its store.
 */
export { cron, job, query, hourly, daily, weekly, monthly, type JobGroupDecorator, type JobMethodDecorator } from './decorators.js';
export { registerJobs, type RegisterOptions, type RegisteredJob, type JobRegistration } from './register.js';
export { enqueueItems, requeueFailed, type ItemSource, type EnqueueItemsOptions, type EnqueueProgress } from './enqueue-items.js';
export { itemJobName } from './plan.js';
export { PRESETS, DEFAULT_RETRY_DELAY, DEFAULT_MAX_COMPUTE_TIME, type JobConfig } from './schedule.js';
