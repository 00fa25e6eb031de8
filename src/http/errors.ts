/**
 * Every failure the API reports, as one shape: `{ error: { code, message, field?, value? } }` with an HTTP status.
 * Core errors already carry a stable `code`; this file only decides which status each code deserves, so a
 * client can branch on `code` and never parse a message.
 */
import { HourglassError, ValidationError, UnknownJobNameError, type ErrorCode } from '../core/errors.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { field?: string; value?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (message = 'no such route') => new HttpError(404, 'NOT_FOUND', message);

/** Statuses for core codes that are not plain bad input (bad input is 400, whatever its code). */
/** Every code in the registry has its status (a new code that is not listed here fails to compile). */
const STATUS_BY_CODE: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  INVALID_CRON: 400,
  INVALID_TIMEZONE: 400,
  INVALID_TIME: 400,
  INVALID_DURATION: 400,
  INVALID_DATA: 400,
  INVALID_INTERVAL: 400,
  INVALID_PRIORITY: 400,
  INVALID_SCHEDULE: 400,
  INVALID_FLOW: 400,
  UNKNOWN_FIELD: 400,
  INVALID_BODY: 400,
  INVALID_DECORATOR: 400,
  NOT_A_JOB_GROUP: 400,
  DUPLICATE_JOB_NAME: 400,
  DUPLICATE_GROUP: 400,
  UNPAIRED_QUERY: 400,
  UNKNOWN_JOB_NAME: 400,
  JOB_NOT_FOUND: 404,
  JOB_STATE: 409,
  DEDUPE_CONFLICT: 409,
  JOB_TIMEOUT: 500,
  // A wait for a job (scheduler.waitFor) that gave up: the job is fine, only not finished yet.
  WAIT_TIMEOUT: 408,
  JOB_CANCELLED: 409,
  LEASE_LOST: 409,
  JOB_LOST: 500,
  DUPLICATE_STEP: 500,
  SCHEDULER_STOPPING: 503,
  SCHEDULER_CLOSED: 503,
  STORE_ERROR: 503,
  BULK_INCOMPLETE: 500,
  DRIVER_MISSING: 500,
  REDIS_EVICTION_POLICY: 503,
};

/** Any thrown value → the HttpError to send. `internal` tells the caller to log it (it is our fault, or the store's). */
export function toHttpError(error: unknown): { http: HttpError; internal: boolean } {
  if (error instanceof HttpError) return { http: error, internal: error.status >= 500 };
  if (error instanceof ValidationError) {
    return { http: new HttpError(400, error.code, error.message, { field: error.field, value: jsonSafe(error.value) }), internal: false };
  }
  if (error instanceof UnknownJobNameError) {
    return { http: new HttpError(400, error.code, error.message, { value: error.jobName }), internal: false };
  }
  if (error instanceof HourglassError) {
    const status = STATUS_BY_CODE[error.code] ?? 500;
    return { http: new HttpError(status, error.code, error.message), internal: status >= 500 };
  }
  // A driver error that escaped its store's wrapping (better-sqlite3 throws SqliteError with SQLITE_* codes):
  // still the store's failure, so still a 503 the client may retry, not a 500.
  const code = (error as { code?: unknown })?.code;
  if ((error as Error)?.name === 'SqliteError' || (typeof code === 'string' && code.startsWith('SQLITE_'))) {
    return { http: new HttpError(503, 'STORE_ERROR', `the store failed: ${(error as Error).message}`), internal: true };
  }
  // Anything else is a bug: say so without leaking internals; the log has the stack.
  return { http: new HttpError(500, 'INTERNAL_ERROR', 'internal error; the server log has the details'), internal: true };
}

/** The offending value, as far as JSON can echo it back (ValidationError values may be anything). */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 200 ? `${text.slice(0, 197)}...` : JSON.parse(text);
  } catch {
    return String(value);
  }
}
