/**
 * From what users pass (schedule's several forms, every, options) to a validated NewJob.
 * Everything is checked here, before anything reaches a store: a bad value raises a ValidationError that
 * names the field and the value, never a silent default.
 */
import { ValidationError } from './errors.js';
import type { NewJob } from './store.js';
import { parseDuration, parsePositiveDuration, parseTimerDuration, looksLikeDuration } from './time/duration.js';
import { parsePriority } from './time/priority.js';
import { firstOccurrence, jitterOffset, looksLikeCron, normaliseRepeat, parseJitter } from './time/repeat.js';
import { parseWhen } from './time/when.js';
import type { BackoffOptions, BackoffSpec, DefineOptions, Duration, EveryOptions, JobOptions, RepeatOptions, ScheduleSpec } from './types.js';
import { MAX_INT32, assertInt, assertJson, assertName, assertOptionalString, assertStorableText } from './validate.js';
import { dedupeModes, oneOffModes } from './dedupe-options.js';

export interface NormaliseContext {
  now: number;
  timezone: string;
  /** Priority for a name when the job does not give one (its definition's, or the default). */
  defaultPriority(name: string): number;
  /**
   * maxAttempts for a name when the job does not give one: its definition's where this process defines it,
   * else null (the first run writes the value it used; see JobRecord.maxAttempts).
   */
  defaultMaxAttempts(name: string): number | null;
}

const JOB_OPTION_KEYS = ['priority', 'attempts', 'backoff', 'timeout', 'dedupeKey', 'dedupeFor', 'replace', 'label', 'group'];
const SPEC_KEYS = [...JOB_OPTION_KEYS, 'name', 'data', 'runAt', 'delay', 'repeat', 'key'];
const EVERY_KEYS = [...JOB_OPTION_KEYS, 'timezone', 'key', 'catchUp', 'skipImmediate', 'startAt', 'jitter'];
const DEFINE_KEYS = ['priority', 'concurrency', 'lockLimit', 'attempts', 'backoff', 'timeout', 'lockLifetime', 'shouldSaveResult', 'maxLostRuns', 'then', 'rateLimit', 'groupConcurrency'];

/** Reject keys we do not know: a typo ('attemps') must not silently fall back to a default. */
export function assertKnownKeys(value: object, allowed: string[], field: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key) && (value as Record<string, unknown>)[key] !== undefined) {
      throw new ValidationError(`${field}.${key}`, (value as Record<string, unknown>)[key], `unknown option; expected one of ${allowed.join(', ')}`);
    }
  }
}

export function assertObject(value: unknown, field: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ValidationError(field, value, 'must be an object');
  return value as Record<string, unknown>;
}

export function normaliseBackoff(value: BackoffOptions | undefined, field: string): BackoffSpec | null {
  if (value === undefined || value === null) return null;
  const b = assertObject(value, field);
  assertKnownKeys(b, ['type', 'delay', 'maxDelay'], field);
  if (b.type !== 'exponential' && b.type !== 'fixed') throw new ValidationError(`${field}.type`, b.type, "must be 'exponential' or 'fixed'");
  if (b.delay === undefined) throw new ValidationError(`${field}.delay`, b.delay, 'is required');
  const delay = parseDuration(b.delay as Duration, `${field}.delay`);
  return orderedBackoff({ type: b.type, delay, ...(b.maxDelay !== undefined ? { maxDelay: parseDuration(b.maxDelay as Duration, `${field}.maxDelay`) } : {}) });
}

/**
 * A backoff spec with its keys in the one order every store gives them back: type, delay, maxDelay. A store
 * may keep them otherwise (Redis sorts them, to compare specs in Lua) and puts them back in order with this.
 */
export function orderedBackoff(b: BackoffSpec): BackoffSpec {
  return b.maxDelay === undefined ? { type: b.type, delay: b.delay } : { type: b.type, delay: b.delay, maxDelay: b.maxDelay };
}

export function normaliseDefine(options: DefineOptions | undefined, field: string) {
  const o = assertObject(options, field) as DefineOptions;
  assertKnownKeys(o, DEFINE_KEYS, field);
  if (o.shouldSaveResult !== undefined && typeof o.shouldSaveResult !== 'boolean') {
    throw new ValidationError(`${field}.shouldSaveResult`, o.shouldSaveResult, 'must be true or false');
  }
  return {
    priority: parsePriority(o.priority, `${field}.priority`),
    concurrency: o.concurrency === undefined ? undefined : assertInt(o.concurrency, `${field}.concurrency`, 1),
    groupConcurrency: o.groupConcurrency === undefined ? undefined : assertInt(o.groupConcurrency, `${field}.groupConcurrency`, 1),
    lockLimit: o.lockLimit === undefined || o.lockLimit === 0 ? undefined : assertInt(o.lockLimit, `${field}.lockLimit`, 1),
    attempts: o.attempts === undefined ? undefined : assertInt(o.attempts, `${field}.attempts`, 1, MAX_INT32),
    backoff: normaliseBackoff(o.backoff, `${field}.backoff`) ?? undefined,
    timeoutMs: o.timeout === undefined ? undefined : parseTimerDuration(o.timeout, `${field}.timeout`),
    lockLifetimeMs: o.lockLifetime === undefined ? undefined : parseTimerDuration(o.lockLifetime, `${field}.lockLifetime`),
    shouldSaveResult: o.shouldSaveResult,
    maxLostRuns: o.maxLostRuns === undefined ? undefined : assertInt(o.maxLostRuns, `${field}.maxLostRuns`, 0),
    rateLimit: o.rateLimit === undefined ? undefined : parseRateLimit(o.rateLimit, `${field}.rateLimit`),
    then: o.then === undefined ? undefined : (Array.isArray(o.then) ? o.then : [o.then]).map((name, i) => assertName(name, Array.isArray(o.then) ? `${field}.then[${i}]` : `${field}.then`)),
  };
}

function parseRateLimit(value: unknown, field: string): { max: number; perMs: number; scope: 'process' | 'global'; byGroup: boolean } {
  const r = assertObject(value, field) as { max?: unknown; per?: unknown; scope?: unknown; by?: unknown };
  assertKnownKeys(r, ['max', 'per', 'scope', 'by'], field);
  if (r.max === undefined || r.per === undefined) throw new ValidationError(field, value, "must be { max, per }, such as { max: 10, per: '1s' }");
  if (r.scope !== undefined && r.scope !== 'process' && r.scope !== 'global') throw new ValidationError(`${field}.scope`, r.scope, "must be 'process' or 'global'");
  const scope = r.scope ?? 'process';
  if (r.by !== undefined && r.by !== 'group') throw new ValidationError(`${field}.by`, r.by, "must be 'group'");
  // A process's own limiter counts its starts by name; windows per group live in the store.
  if (r.by !== undefined && scope !== 'global') throw new ValidationError(`${field}.by`, r.by, "is only for scope: 'global'");
  return { max: assertInt(r.max, `${field}.max`, 1), perMs: parsePositiveDuration(r.per as Duration, `${field}.per`), scope, byGroup: r.by === 'group' };
}

function jobOptions(o: JobOptions, field: string, name: string, ctx: NormaliseContext) {
  return {
    priority: parsePriority(o.priority, `${field}.priority`) ?? ctx.defaultPriority(name),
    maxAttempts: o.attempts === undefined ? ctx.defaultMaxAttempts(name) : assertInt(o.attempts, `${field}.attempts`, 1, MAX_INT32),
    backoff: normaliseBackoff(o.backoff, `${field}.backoff`),
    timeoutMs: o.timeout === undefined ? null : parseTimerDuration(o.timeout, `${field}.timeout`),
    dedupeKey: assertOptionalString(o.dedupeKey, `${field}.dedupeKey`) ?? null,
    ...dedupeModes(o, field),
    label: assertLabel(o.label, `${field}.label`),
    group: assertGroup(o.group, `${field}.group`),
  };
}

/** A label is for people (the dashboard, HTTP's display name): any short text, never used to find a job. */
function assertLabel(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.trim() === '' || value.length > 200) {
    throw new ValidationError(field, value, 'must be a non-empty string of at most 200 characters');
  }
  return assertStorableText(value, field);
}

/** A group (tenant) is an identity, compared exactly: a non-empty string, short enough to index. */
export function assertGroup(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value === '' || value.length > MAX_GROUP_LENGTH) {
    throw new ValidationError(field, value, `must be a non-empty string of at most ${MAX_GROUP_LENGTH} characters`);
  }
  return assertStorableText(value, field);
}

/** The longest group (JobOptions.group) accepted. */
export const MAX_GROUP_LENGTH = 200;

/** The object form of schedule() (and each element of scheduleBulk()). */
export function fromSpec(spec: ScheduleSpec, field: string, ctx: NormaliseContext): NewJob {
  const s = assertObject(spec, field) as unknown as ScheduleSpec;
  assertKnownKeys(s, SPEC_KEYS, field);
  const name = assertName(s.name, `${field}.name`);
  const data = assertJson(s.data, `${field}.data`);
  if (s.runAt !== undefined && s.delay !== undefined) throw new ValidationError(`${field}.delay`, s.delay, 'give runAt or delay, not both');
  const repeat = normaliseRepeat(s.repeat as RepeatOptions | undefined, `${field}.repeat`, ctx.timezone);
  let runAt: number;
  if (s.runAt !== undefined) runAt = parseWhen(s.runAt, `${field}.runAt`, ctx.now, ctx.timezone);
  else if (s.delay !== undefined) runAt = ctx.now + parseDuration(s.delay, `${field}.delay`);
  else runAt = repeat ? firstOccurrence(repeat, ctx.now) : ctx.now;
  const key = assertOptionalString(s.key, `${field}.key`) ?? null;
  if (key !== null && !repeat) throw new ValidationError(`${field}.key`, key, 'is only for repeating jobs (give repeat too), use dedupeKey for one-off jobs');
  const jittered = repeat && s.runAt === undefined && s.delay === undefined ? runAt + jitterOffset(repeat, key ?? name, runAt) : runAt;
  const job: NewJob = { name, data, repeat, repeatKey: key, dueAt: runAt, nextRunAt: jittered, ...jobOptions(s, field, name, ctx) };
  return oneOffModes(job, s, field);
}

/** schedule(when, name, data?, options?) */
export function fromWhen(when: unknown, name: unknown, data: unknown, options: unknown, ctx: NormaliseContext): NewJob {
  const o = assertObject(options, 'options');
  assertKnownKeys(o, JOB_OPTION_KEYS, 'options');
  const runAt = parseWhen(when, 'when', ctx.now, ctx.timezone);
  const jobName = assertName(name, 'name');
  return {
    name: jobName,
    data: assertJson(data, 'data'),
    repeat: null,
    repeatKey: null,
    dueAt: runAt,
    nextRunAt: runAt,
    ...jobOptions(o, 'options', jobName, ctx),
  };
}

/** every(interval, name, data?, options?): one repeating job per key (default: the name). */
export function fromEvery(interval: unknown, name: unknown, data: unknown, options: unknown, ctx: NormaliseContext): NewJob {
  const o = assertObject(options, 'options') as EveryOptions;
  assertKnownKeys(o, EVERY_KEYS, 'options');
  const jobName = assertName(name, 'name');
  let repeatOptions: RepeatOptions;
  if (typeof interval === 'number') repeatOptions = { every: interval };
  else if (typeof interval === 'string' && looksLikeCron(interval) && !looksLikeDuration(interval)) {
    repeatOptions = { cron: interval, ...(o.timezone !== undefined ? { timezone: o.timezone } : {}) };
  } else if (typeof interval === 'string') {
    if (!looksLikeDuration(interval)) {
      throw new ValidationError('interval', interval, "must be milliseconds, a duration ('5 minutes', '5m') or a 5- or 6-field cron expression", 'INVALID_INTERVAL');
    }
    repeatOptions = { every: interval };
  } else {
    throw new ValidationError('interval', interval, "must be milliseconds, a duration ('5 minutes', '5m') or a cron expression", 'INVALID_INTERVAL');
  }
  if (o.catchUp !== undefined) repeatOptions.catchUp = o.catchUp;
  if (o.jitter !== undefined) repeatOptions.jitter = parseJitter(o.jitter, 'options.jitter');
  if ('every' in repeatOptions && o.timezone !== undefined) {
    // A timezone means nothing to a fixed interval; still reject a bad one rather than ignore it.
    normaliseRepeat({ cron: '* * * * *', timezone: o.timezone }, 'options', ctx.timezone);
  }
  const repeat = normaliseRepeat(repeatOptions, 'interval', ctx.timezone)!;
  if (o.skipImmediate !== undefined && typeof o.skipImmediate !== 'boolean') {
    throw new ValidationError('options.skipImmediate', o.skipImmediate, 'must be true or false');
  }
  const first = o.startAt !== undefined ? parseWhen(o.startAt, 'options.startAt', ctx.now, ctx.timezone) : firstOccurrence(repeat, ctx.now, o.skipImmediate);
  const repeatKey = assertOptionalString(o.key, 'options.key') ?? jobName;
  const job: NewJob = {
    name: jobName,
    data: assertJson(data, 'data'),
    repeat,
    repeatKey,
    dueAt: first,
    // An explicit startAt is when the user asked for; a computed due time gets its jitter.
    nextRunAt: o.startAt !== undefined ? first : first + jitterOffset(repeat, repeatKey, first),
    ...jobOptions(o, 'options', jobName, ctx),
  };
  return oneOffModes(job, o, 'options');
}
