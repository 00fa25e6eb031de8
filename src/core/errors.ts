/**
 * Typed errors with stable codes. Every store raises these alike, so callers (and the HTTP layer) can branch
 * on `code` without knowing which store is behind the scheduler.
 */
import type { JobStatus } from './types.js';

/**
 * Every code an hourglass error can carry: the registry. Callers (and the HTTP layer, which maps each to a
 * status) branch on these; a store never lets a driver's own error out, it wraps it as STORE_ERROR.
 */
export const ERROR_CODES = [
  'INVALID_ARGUMENT',
  'INVALID_CRON',
  'INVALID_TIMEZONE',
  'INVALID_TIME',
  'INVALID_DURATION',
  'INVALID_DATA',
  'INVALID_INTERVAL',
  'INVALID_PRIORITY',
  'INVALID_SCHEDULE',
  'INVALID_FLOW',
  'UNKNOWN_FIELD',
  'INVALID_BODY',
  // decorators (hourglass/decorators)
  'INVALID_DECORATOR',
  'NOT_A_JOB_GROUP',
  'DUPLICATE_JOB_NAME',
  'DUPLICATE_GROUP',
  'UNPAIRED_QUERY',
  'UNKNOWN_JOB_NAME',
  'JOB_NOT_FOUND',
  'JOB_STATE',
  'DEDUPE_CONFLICT',
  'JOB_TIMEOUT',
  'WAIT_TIMEOUT',
  'JOB_CANCELLED',
  'LEASE_LOST',
  'JOB_LOST',
  'DUPLICATE_STEP',
  'SCHEDULER_STOPPING',
  'SCHEDULER_CLOSED',
  'STORE_ERROR',
  // scheduleBulk's streamed form stopped part-way (BulkInsertError)
  'BULK_INCOMPLETE',
  'DRIVER_MISSING',
  'REDIS_EVICTION_POLICY',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class HourglassError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input: names the field and the offending value. Raised before anything is stored. */
export class ValidationError extends HourglassError {
  readonly field: string;
  readonly value: unknown;
  constructor(field: string, value: unknown, reason: string, code: ErrorCode = 'INVALID_ARGUMENT') {
    super(code, `${field}: ${reason} (got ${describe(value)})`);
    this.field = field;
    this.value = value;
  }
}

/**
 * A workflow graph that cannot be stored (Scheduler.flow, ctx.flow): a cycle, a duplicate key, an `after`
 * naming no node. `key` is the node at fault. Raised before anything is stored.
 */
export class InvalidFlowError extends ValidationError {
  readonly key: string;
  constructor(field: string, key: string, reason: string) {
    super(field, key, reason, 'INVALID_FLOW');
    this.key = key;
  }
}

export class InvalidCronError extends ValidationError {
  constructor(field: string, value: unknown, reason: string) {
    super(field, value, `invalid cron expression: ${reason}`, 'INVALID_CRON');
  }
}

export class InvalidTimezoneError extends ValidationError {
  constructor(field: string, value: unknown) {
    super(field, value, 'unknown IANA time zone', 'INVALID_TIMEZONE');
  }
}

export class InvalidTimeError extends ValidationError {
  constructor(field: string, value: unknown, reason = 'cannot be understood as a point in time') {
    super(field, value, reason, 'INVALID_TIME');
  }
}

export class InvalidDurationError extends ValidationError {
  constructor(field: string, value: unknown, reason = "expected milliseconds or a duration such as '10s', '5m', '2h', '1d', '5 minutes'") {
    super(field, value, reason, 'INVALID_DURATION');
  }
}

export class InvalidDataError extends ValidationError {
  constructor(field: string, value: unknown, reason: string) {
    super(field, value, reason, 'INVALID_DATA');
  }
}

export class UnknownJobNameError extends HourglassError {
  readonly jobName: string;
  constructor(name: string) {
    super('UNKNOWN_JOB_NAME', `no handler is defined for job name ${JSON.stringify(name)}`);
    this.jobName = name;
  }
}

export class JobNotFoundError extends HourglassError {
  readonly jobId: string;
  constructor(id: string) {
    super('JOB_NOT_FOUND', `no job with id ${JSON.stringify(id)}`);
    this.jobId = id;
  }
}

/** The job is in a state that does not allow the operation (update of a running job, say). */
export class JobStateError extends HourglassError {
  constructor(message: string, code: 'JOB_STATE' | 'DEDUPE_CONFLICT' = 'JOB_STATE') {
    super(code, message);
  }
}

/**
 * trigger() (or requeueFailed) would bring a finished job back while another job holds its dedupe key (it is
 * pending or running, or its dedupeFor period has not ended): two holders of one key are never allowed, so
 * nothing changes and this names the holder.
 */
export class DedupeConflictError extends JobStateError {
  readonly jobId: string;
  readonly dedupeKey: string;
  readonly holderId: string;
  constructor(jobId: string, dedupeKey: string, holderId: string) {
    super(
      `job ${jobId} cannot run again: job ${holderId} holds the same dedupe key ${JSON.stringify(dedupeKey)} (it is pending or running, or within its dedupeFor period)`,
      'DEDUPE_CONFLICT',
    );
    this.jobId = jobId;
    this.dedupeKey = dedupeKey;
    this.holderId = holderId;
  }
}

/** A run exceeded its timeout; the attempt fails with this error. */
export class JobTimeoutError extends HourglassError {
  constructor(name: string, id: string, timeoutMs: number) {
    super('JOB_TIMEOUT', `job ${name} (${id}) timed out after ${timeoutMs} ms`);
  }
}

/** scheduler.waitFor: the job had not finished when the wait's timeout passed. */
export class WaitTimeoutError extends HourglassError {
  readonly jobId: string;
  /** The job's status when the wait gave up. */
  readonly status: JobStatus;
  constructor(id: string, timeoutMs: number, status: JobStatus) {
    super('WAIT_TIMEOUT', `job ${id} had not finished after ${timeoutMs} ms (it is ${status})`);
    this.jobId = id;
    this.status = status;
  }
}

export class JobCancelledError extends HourglassError {
  constructor(name: string, id: string) {
    super('JOB_CANCELLED', `job ${name} (${id}) was cancelled`);
  }
}

/** This run no longer owns the job (its lock expired and another worker took it, or it was deleted). */
export class LeaseLostError extends HourglassError {
  constructor(name: string, id: string) {
    super('LEASE_LOST', `job ${name} (${id}): this worker no longer holds its lock; the result is dropped`);
  }
}

/**
 * A job whose runs kept being lost (its process died, or stopped renewing its lock) more often than
 * maxLostRuns allows: failed without running it again, so a job that crashes its worker is not retried forever.
 */
export class JobLostError extends HourglassError {
  constructor(name: string, id: string, lost: number, maxLostRuns: number) {
    super(
      'JOB_LOST',
      `job ${name} (${id}) lost its worker ${lost} times (its lock expired each time); more than maxLostRuns ${maxLostRuns}, so it is failed instead of run again`,
    );
  }
}

/** A run called ctx.step twice with one id: step ids must be unique within a run (docs/durable-steps.md). */
export class DuplicateStepError extends HourglassError {
  constructor(name: string, id: string, stepId: string) {
    super('DUPLICATE_STEP', `job ${name} (${id}): step id ${JSON.stringify(stepId)} is used twice in one run; step ids must be unique within a run`);
  }
}

/** The scheduler is shutting down; the run is released to be taken again. */
export class SchedulerStoppingError extends HourglassError {
  constructor() {
    super('SCHEDULER_STOPPING', 'the scheduler is stopping');
  }
}

/** close() was called: this scheduler is finished and opens no connection again. */
export class SchedulerClosedError extends HourglassError {
  constructor() {
    super('SCHEDULER_CLOSED', 'the scheduler was closed (close()); create a new one to use the store again');
  }
}

/** The store did not answer or refused the operation. */
export class StoreError extends HourglassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_ERROR', message, options);
  }
}

/**
 * scheduleBulk's streamed form (an iterable, or options given) stopped part-way. Each chunk is one atomic
 * store operation: the first `stored` specs are stored (in `chunks` whole chunks), and nothing from
 * specs[stored] on is, so a caller can resume from there. `cause` is what stopped it: a ValidationError naming
 * the bad spec (`specs[i].field`), the source's own error (a generator that threw), or the store's StoreError.
 */
export class BulkInsertError extends HourglassError {
  /** Specs stored before the failure (created + existing): specs[0 .. stored - 1]. */
  readonly stored: number;
  /** Whole chunks stored. */
  readonly chunks: number;
  /** Of those, jobs created, and specs that found their dedupe key or repeat key taken (the holder came back). */
  readonly created: number;
  readonly existing: number;
  constructor(landed: { stored: number; chunks: number; created: number; existing: number }, cause: unknown) {
    const reason = (cause as Error | null)?.message ?? String(cause);
    super(
      'BULK_INCOMPLETE',
      `scheduleBulk stopped: specs[0..${landed.stored - 1}] are stored (${landed.chunks} chunk(s)), specs[${landed.stored}] and after are not: ${reason}`,
      { cause },
    );
    this.stored = landed.stored;
    this.chunks = landed.chunks;
    this.created = landed.created;
    this.existing = landed.existing;
  }
}

/**
 * How every store lets an error out: our own typed errors pass through unchanged; anything else (a driver's
 * error, a closed connection) becomes a StoreError naming the store and the operation, with the original as
 * `cause`. One function, so the three stores wrap alike.
 */
export function storeError(kind: string, operation: string, error: unknown): HourglassError {
  if (error instanceof HourglassError) return error;
  const message = (error as Error | null)?.message ?? String(error);
  return new StoreError(`${kind} ${operation} failed: ${message}`, { cause: error });
}

/** Short, safe rendering of an offending value for an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 120 ? `${value.slice(0, 117)}...` : value);
  if (typeof value === 'bigint') return `${value}n (BigInt)`;
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'symbol') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
