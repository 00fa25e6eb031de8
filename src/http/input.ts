/**
 * What the API accepts, checked field by field before the scheduler is called. Errors name the field as the
 * client wrote it (`maxAttempts`, `schedule`, `runAt`), not the core's option names, and unknown fields are
 * refused: a typo such as `maxAtempts` must not silently fall back to a default.
 */
import { dedupeModes } from '../core/dedupe-options.js';
import { ValidationError } from '../core/errors.js';
import { JOB_ORDER_FIELDS } from '../core/rules/query.js';
import { repeatFromText } from '../core/scheduler.js';
import { assertGroup } from '../core/normalise.js';
import { parseDuration } from '../core/time/duration.js';
import { parsePriority } from '../core/time/priority.js';
import { assertCron } from '../core/time/repeat.js';
import { assertTimezone } from '../core/time/timezone.js';
import { parseWhen } from '../core/time/when.js';
import type { JobOrder, JobOrderField } from '../core/store.js';
import { JOB_STATUSES, type JobStatus, type Json, type RepeatOptions } from '../core/types.js';
import { MAX_INT32, assertInt, assertJson, assertName, assertOptionalString } from '../core/validate.js';

export interface CreateJobInput {
  /** Display name; for a repeating job also its identity (POSTing it again updates that job). */
  name: string;
  /** The define()d handler that runs it: `handler` when given, else `name`. */
  handler: string;
  data: Json;
  repeat: RepeatOptions | null;
  timezone: string | undefined;
  maxAttempts: number | undefined;
  runAt: number | undefined;
  priority: number | undefined;
  dedupeKey: string | undefined;
  /** ms (JobOptions.dedupeFor), checked here so a bad value names the body's field. */
  dedupeFor: number | undefined;
  /** JobOptions.replace (a debounce with runAt), checked here too. */
  replace: true | undefined;
  /** The job's group (JobOptions.group). */
  group: string | undefined;
}

export interface UpdateJobInput {
  data?: Json;
  /** null turns a repeating job into a one-off. */
  repeat?: RepeatOptions | null;
  attempts?: number;
  priority?: number;
  runAt?: number;
}

export interface ListJobsInput {
  status: JobStatus[] | undefined;
  name: string | undefined;
  /** ?q=: a substring of the name, label, data or last error, ignoring the case of A-Z. */
  text: string | undefined;
  /** ?group=: one group's jobs (the `group` job option). */
  group: string | undefined;
  /** ?counts=true: also count every status (for the same name). */
  counts: boolean;
  /** ?sort=&dir=: the order across pages; undefined is newest first. */
  order: JobOrder | undefined;
  limit: number;
  offset: number;
}

/** ?sort= values: the store's order fields (rules/query.ts JOB_ORDER_FIELDS). */
export const SORT_FIELDS = JOB_ORDER_FIELDS;

/** What POST /jobs/bulk does to each job it is given. */
export const BULK_ACTIONS = ['retry', 'cancel', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
/** Most ids one POST /jobs/bulk takes. */
export const MAX_BULK_IDS = 1000;
/** Longest ?q= search text. */
export const MAX_SEARCH_LENGTH = 200;

const CREATE_FIELDS = ['name', 'handler', 'data', 'schedule', 'timezone', 'maxAttempts', 'runAt', 'priority', 'dedupeKey', 'dedupeFor', 'replace', 'group'];
const UPDATE_FIELDS = ['schedule', 'timezone', 'data', 'maxAttempts', 'priority', 'runAt'];
const LIST_PARAMS = ['status', 'name', 'q', 'group', 'counts', 'sort', 'dir', 'limit', 'offset'];
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** POST /jobs. `defaultTimezone` is the scheduler's (UTC unless configured). */
export function parseCreateJob(body: unknown, now: number, defaultTimezone: string): CreateJobInput {
  const b = asObject(body, CREATE_FIELDS);
  const name = assertName(b.name, 'name');
  const handler = given(b.handler) ? assertName(b.handler, 'handler') : name;
  const timezone = given(b.timezone) ? assertTimezone(b.timezone, 'timezone') : undefined;
  const zone = timezone ?? defaultTimezone;
  return {
    name,
    handler,
    data: assertJson(b.data, 'data'),
    repeat: given(b.schedule) ? parseSchedule(b.schedule, zone) : null,
    timezone,
    maxAttempts: given(b.maxAttempts) ? assertInt(b.maxAttempts, 'maxAttempts', 1, MAX_INT32) : undefined,
    runAt: given(b.runAt) ? parseRunAt(b.runAt, now, zone) : undefined,
    priority: given(b.priority) ? parsePriority(b.priority as never, 'priority') : undefined,
    dedupeKey: assertOptionalString(b.dedupeKey, 'dedupeKey'),
    dedupeFor: given(b.dedupeFor) ? oneOffDedupeFor(b) : undefined,
    replace: given(b.replace) ? oneOffReplace(b) : undefined,
    group: assertGroup(b.group, 'group') ?? undefined,
  };
}

/** dedupeFor in ms, for a one-off job only (a repeating job is kept by its key already). */
function oneOffDedupeFor(b: Record<string, unknown>): number | undefined {
  const ms = dedupeModes(b, '').dedupeForMs ?? undefined;
  if (given(b.schedule)) throw new ValidationError('dedupeFor', b.dedupeFor, 'is only for one-off jobs (a job with a schedule is kept by its name already)');
  return ms;
}

/** replace, for a one-off job only (every() already updates a scheduled job by its name). */
function oneOffReplace(b: Record<string, unknown>): true | undefined {
  const replace = dedupeModes({ dedupeKey: b.dedupeKey, replace: b.replace }, '').replace === true ? true : undefined;
  if (replace && given(b.schedule)) throw new ValidationError('replace', b.replace, 'is only for one-off jobs (a job with a schedule is kept by its name already)');
  return replace;
}

/** PUT /jobs/:id: only the fields given change; `schedule: null` makes a repeating job a one-off. */
export function parseUpdateJob(body: unknown, now: number, defaultTimezone: string): UpdateJobInput {
  const b = asObject(body, UPDATE_FIELDS);
  const timezone = given(b.timezone) ? assertTimezone(b.timezone, 'timezone') : undefined;
  if (timezone !== undefined && b.schedule === undefined) {
    throw new ValidationError('timezone', timezone, 'give it with the schedule it applies to');
  }
  const zone = timezone ?? defaultTimezone;
  const patch: UpdateJobInput = {};
  if (b.data !== undefined) patch.data = assertJson(b.data, 'data');
  if (b.schedule !== undefined) patch.repeat = b.schedule === null ? null : parseSchedule(b.schedule, zone);
  if (given(b.maxAttempts)) patch.attempts = assertInt(b.maxAttempts, 'maxAttempts', 1, MAX_INT32);
  if (given(b.priority)) patch.priority = parsePriority(b.priority as never, 'priority')!;
  if (given(b.runAt)) patch.runAt = parseRunAt(b.runAt, now, zone);
  return patch;
}

/** GET /jobs?status=pending,failed&name=&q=&counts=&limit=&offset= (status may also repeat: ?status=a&status=b). */
export function parseListQuery(query: URLSearchParams): ListJobsInput {
  for (const key of new Set(query.keys())) {
    if (!LIST_PARAMS.includes(key)) {
      throw new ValidationError(key, query.get(key), `unknown query parameter; expected one of ${LIST_PARAMS.join(', ')}`, 'UNKNOWN_FIELD');
    }
  }
  let status: JobStatus[] | undefined;
  const statuses = query.getAll('status').flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (statuses.length > 0) {
    for (const s of statuses) {
      if (!(JOB_STATUSES as readonly string[]).includes(s)) throw new ValidationError('status', s, `must be one of ${JOB_STATUSES.join(', ')}`);
    }
    status = [...new Set(statuses)] as JobStatus[];
  }
  const name = query.get('name');
  const text = query.get('q');
  const group = query.get('group');
  if (text !== null && text.length > MAX_SEARCH_LENGTH) throw new ValidationError('q', text, `must be at most ${MAX_SEARCH_LENGTH} characters`);
  return {
    status,
    name: name === null || name === '' ? undefined : assertName(name, 'name'),
    text: text === null || text.trim() === '' ? undefined : text.trim(),
    group: group === null || group === '' ? undefined : (assertGroup(group, 'group') ?? undefined),
    counts: queryBoolean(query, 'counts'),
    order: parseSort(query),
    limit: queryInt(query, 'limit', 1, MAX_LIMIT) ?? DEFAULT_LIMIT,
    offset: queryInt(query, 'offset', 0, MAX_INT32) ?? 0,
  };
}

/**
 * ?sort=<field>&dir=asc|desc. A sort alone is ascending; a dir alone orders by createdAt (dir=asc: oldest first).
 * Neither: undefined, newest first.
 */
export function parseSort(query: URLSearchParams): JobOrder | undefined {
  const by = query.get('sort');
  const dir = query.get('dir');
  if (by !== null && by !== '' && !(SORT_FIELDS as readonly string[]).includes(by)) throw new ValidationError('sort', by, `must be one of ${SORT_FIELDS.join(', ')}`);
  if (dir !== null && dir !== '' && dir !== 'asc' && dir !== 'desc') throw new ValidationError('dir', dir, 'must be asc or desc');
  const field = by === null || by === '' ? undefined : (by as JobOrderField);
  const direction = dir === null || dir === '' ? undefined : (dir as 'asc' | 'desc');
  if (field === undefined && direction === undefined) return undefined;
  return { by: field ?? 'createdAt', dir: direction ?? (field === undefined ? 'desc' : 'asc') };
}

/** ?limit=&offset= of a paged route other than GET /jobs (GET /schedules). */
export function pageOf(query: URLSearchParams, defaultLimit: number, maxLimit: number): { limit: number; offset: number } {
  return { limit: queryInt(query, 'limit', 1, maxLimit) ?? defaultLimit, offset: queryInt(query, 'offset', 0, MAX_INT32) ?? 0 };
}

/** GET /jobs/:id/history?limit=N: the newest N records only (all when left out). */
export function parseHistoryQuery(query: URLSearchParams): { limit?: number } {
  assertNoQuery(query, ['limit']);
  const limit = queryInt(query, 'limit', 1, MAX_INT32);
  return limit === undefined ? {} : { limit };
}

/** The longest GET /jobs/:id/wait holds a request: proxies and load balancers end longer idle ones (often at 60 s). */
export const MAX_WAIT_MS = 5 * 60_000;
const DEFAULT_WAIT_MS = 30_000;

/** GET /jobs/:id/wait: `?timeout=` a duration (`30s`, `2m`, or ms), default 30 s, at most MAX_WAIT_MS. */
export function parseWaitQuery(query: URLSearchParams): { timeoutMs: number } {
  assertNoQuery(query, ['timeout']);
  const text = query.get('timeout');
  if (text === null || text === '') return { timeoutMs: DEFAULT_WAIT_MS };
  const timeoutMs = parseDuration(text, 'timeout');
  if (timeoutMs > MAX_WAIT_MS) throw new ValidationError('timeout', text, `must be at most ${MAX_WAIT_MS / 60_000} minutes: wait again after that`, 'INVALID_DURATION');
  return { timeoutMs };
}

/** POST /jobs/bulk: `{ action: 'retry' | 'cancel' | 'delete', ids: [...] }`, 1 to MAX_BULK_IDS distinct ids. */
export function parseBulk(body: unknown): { action: BulkAction; ids: string[] } {
  const b = asObject(body, ['action', 'ids']);
  if (!(BULK_ACTIONS as readonly unknown[]).includes(b.action)) throw new ValidationError('action', b.action, `must be one of ${BULK_ACTIONS.join(', ')}`);
  if (!Array.isArray(b.ids) || b.ids.length === 0 || b.ids.length > MAX_BULK_IDS) {
    throw new ValidationError('ids', b.ids, `must be a list of 1 to ${MAX_BULK_IDS} job ids`);
  }
  const ids = b.ids.map((id, i) => {
    if ((typeof id !== 'string' || id === '') && !Number.isSafeInteger(id)) throw new ValidationError(`ids[${i}]`, id, 'must be a job id');
    return String(id);
  });
  return { action: b.action as BulkAction, ids: [...new Set(ids)] };
}

/** POST /jobs/requeue-failed: an optional name, in the body ({ name }) or the query (?name=). */
export function parseRequeueFailed(body: unknown, query: URLSearchParams): string | undefined {
  const b = body === undefined ? {} : asObject(body, ['name']);
  const name = given(b.name) ? b.name : (query.get('name') ?? undefined);
  if (name !== undefined && (typeof name !== 'string' || name === '')) throw new ValidationError('name', name, 'must be a non-empty job name');
  return name as string | undefined;
}

/** Optional body for POST /jobs/runner/stop. */
export function parseStopRunner(body: unknown): { graceful: boolean; timeoutMs: number } {
  const b = asObject(body ?? {}, ['graceful', 'timeoutMs']);
  if (b.graceful !== undefined && typeof b.graceful !== 'boolean') throw new ValidationError('graceful', b.graceful, 'must be true or false');
  return {
    graceful: b.graceful !== false,
    timeoutMs: given(b.timeoutMs) ? assertInt(b.timeoutMs, 'timeoutMs', 0) : 30_000,
  };
}

/**
 * A schedule as text: a cron expression (5 or 6 fields, or a nickname such as '@daily') in `timezone`,
 * or an interval ('5s', '10m', '2h', '1d', '5 minutes', or milliseconds as a number).
 */
export function parseSchedule(value: unknown, timezone: string): RepeatOptions {
  if (typeof value === 'number') return { every: assertInt(value, 'schedule', 1) };
  if (typeof value !== 'string' || value.trim() === '') throw badSchedule(value);
  let repeat: RepeatOptions;
  try {
    repeat = repeatFromText(value, 'schedule');
  } catch {
    throw badSchedule(value);
  }
  if ('cron' in repeat) return { cron: assertCron(repeat.cron, 'schedule', timezone), timezone };
  return repeat;
}

function badSchedule(value: unknown): ValidationError {
  return new ValidationError('schedule', value, "must be a cron expression such as '0 9 * * *' or an interval such as '5s', '10m', '2h'", 'INVALID_SCHEDULE');
}

/** runAt: ISO time, epoch ms, or English ('in 20 minutes', 'tomorrow at 9am' in `timezone`). */
function parseRunAt(value: unknown, now: number, timezone: string): number {
  return parseWhen(value, 'runAt', now, timezone);
}

/** The body must be a JSON object with only the listed fields. */
function asObject(body: unknown, allowed: string[]): Record<string, unknown> {
  if (body === undefined) throw new ValidationError('body', body, 'a JSON object is required', 'INVALID_BODY');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ValidationError('body', body, 'must be a JSON object', 'INVALID_BODY');
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!allowed.includes(key)) throw new ValidationError(key, b[key], `unknown field; expected one of ${allowed.join(', ')}`, 'UNKNOWN_FIELD');
  }
  return b;
}

/** JSON clients often send null for "not set": treat it like a missing field. */
function given(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/** Routes that take no query parameters refuse any, as the list does an unknown one. */
export function assertNoQuery(query: URLSearchParams, allowed: readonly string[] = []): void {
  for (const key of new Set(query.keys())) {
    if (!allowed.includes(key)) {
      const expected = allowed.length ? `expected one of ${allowed.join(', ')}` : 'this route takes none';
      throw new ValidationError(key, query.get(key), `unknown query parameter; ${expected}`, 'UNKNOWN_FIELD');
    }
  }
}

export function queryBoolean(query: URLSearchParams, key: string): boolean {
  const text = query.get(key);
  if (text === null || text === '' || text === 'false' || text === '0') return false;
  if (text === 'true' || text === '1') return true;
  throw new ValidationError(key, text, 'must be true or false');
}

function queryInt(query: URLSearchParams, key: string, min: number, max: number): number | undefined {
  const text = query.get(key);
  if (text === null || text === '') return undefined;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ValidationError(key, text, `must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  }
  return n;
}
