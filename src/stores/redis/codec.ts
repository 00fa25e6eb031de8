/**
 * Between JobRecord and what the Lua scripts read and return. A job is a hash with one field per JobRecord
 * property (absent = null); JSON values (data, result, progress, backoff, repeat) are stored as the JSON text
 * the client wrote, and Lua never decodes them, so numbers and strings come back exactly as they went in.
 */
import type { ClaimRequest, ClaimedJob, HistoryEntry, HistoryRow, JobPatch, JobRecord, NewJob } from '../../core/store.js';
import type { BackoffSpec, Json, JobStatus, RepeatSpec } from '../../core/types.js';
import type { Arg } from './scripts.js';
import { dedupeUntilOf } from '../../core/rules/dedupe.js';
import { orderedBackoff } from '../../core/normalise.js';
import { orderedRepeat } from '../../core/time/repeat.js';
import { newRecord } from '../../core/rules/insert.js';

/** JSON with object keys sorted, so the same repeat spec always compares equal in Lua. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v as object).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/**
 * Many values as ONE script argument: a JSON array of strings, which the Lua reads with cjson.decode (C, and
 * every value stays a string, so a number's text is never re-formatted by Lua). Sending each value as an
 * argument of its own cost ioredis ~1 µs of CPU per argument (measured: 16 arguments a job, 14-17 µs a job;
 * packed, 1.0-1.3 µs), which made the client, not Redis, the limit of bulk inserts and settles.
 */
export function packArgs(values: Arg[]): string {
  // One JSON.stringify of the whole array: it writes one flat string, where appending value by value built a
  // rope of a dozen pieces a job that ioredis then flattened (~2.8 KB of garbage a settled job, the largest
  // allocation of a Redis worker). Numbers travel as strings (see above).
  const texts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    texts[i] = typeof v === 'number' ? String(v) : v;
  }
  return JSON.stringify(texts);
}

const orEmpty = (value: string | number | null | undefined): string => (value === null || value === undefined ? '' : String(value));

/** The 16 values insert.lua reads per job. */
export function newJobArgs(job: NewJob, now: number): Arg[] {
  return [
    job.name,
    JSON.stringify(job.data ?? null),
    job.priority,
    orEmpty(job.maxAttempts),
    job.backoff ? canonicalJson(job.backoff) : '',
    orEmpty(job.timeoutMs),
    job.repeat ? canonicalJson(job.repeat) : '',
    orEmpty(job.repeatKey),
    orEmpty(job.dedupeKey),
    job.dueAt,
    job.nextRunAt,
    orEmpty(job.label),
    orEmpty(job.trace),
    orEmpty(job.group),
    orEmpty(dedupeUntilOf(job, now)),
    job.replace === true ? '1' : '',
  ];
}

/**
 * The record of a job insert.lua just created, built here rather than read back: the script returns only
 * the id, which keeps bulk inserts from shipping every job back over the wire. Mirrors what decodeJob
 * would read from the new hash (data goes through JSON, so the caller's object is not shared).
 */
export function insertedJob(id: string, job: NewJob, now: number): JobRecord {
  // newRecord (the model's), with what the hash changes: an empty text is no field (null), JSON is a copy.
  return {
    ...newRecord(id, job, now),
    data: JSON.parse(JSON.stringify(job.data ?? null)) as Json,
    maxAttempts: job.maxAttempts ?? null,
    backoff: job.backoff ? orderedBackoff(job.backoff) : null,
    timeoutMs: job.timeoutMs ?? null,
    repeat: job.repeat ? orderedRepeat(job.repeat) : null,
    repeatKey: job.repeatKey || null,
    dedupeKey: job.dedupeKey || null,
    label: job.label || null,
    trace: job.trace || null,
    group: job.group || null,
  };
}

/** Tri-state for patches: 'u' leave as is (undefined), 'n' null, 'v…' the value. */
export function tri(value: unknown, encode: (v: any) => string = String): string {
  if (value === undefined) return 'u';
  if (value === null) return 'n';
  return `v${encode(value)}`;
}

export function patchArgs(patch: JobPatch): Arg[] {
  return [
    tri(patch.data === undefined ? undefined : JSON.stringify(patch.data)),
    tri(patch.priority),
    tri(patch.maxAttempts),
    tri(patch.repeat, canonicalJson),
    tri(patch.nextRunAt),
    tri(patch.dueAt),
  ];
}

/**
 * History body without id, jobId and status (the script adds them). It is on every settle.
 * completedAt must come before any free text (error, stack, result): lib.lua's historyTime reads the first one.
 */
export function historyBody(entry: HistoryEntry): string {
  // One stringify of an object with its keys in this order: one flat string, not a rope of pieces.
  return JSON.stringify({
    attempt: entry.attempt,
    startedAt: entry.startedAt,
    completedAt: entry.completedAt,
    error: entry.error ?? null,
    stack: entry.stack ?? null,
    result: entry.result ?? null,
    workerId: entry.workerId,
  });
}

/** A stored history record. Records written before stacks were kept have no "stack": null. */
export function historyRow(text: string): HistoryRow {
  const row = JSON.parse(text) as HistoryRow;
  row.stack ??= null;
  return row;
}

const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v));
const json = (v: string | undefined): any => (v === undefined ? null : JSON.parse(v));

/** A JobRecord from HGETALL's flat [field, value, ...] array. */
export function decodeJob(flat: string[]): JobRecord & { lockToken: string | null } {
  const f: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  return {
    id: f.id!,
    name: f.name!,
    data: json(f.data) as Json,
    status: f.status as JobStatus,
    priority: Number(f.priority ?? 0),
    attempts: Number(f.attempts ?? 0),
    maxAttempts: num(f.maxAttempts),
    // Stored with sorted keys (canonicalJson); given back in the core's order as every store does.
    backoff: f.backoff ? orderedBackoff(JSON.parse(f.backoff) as BackoffSpec) : null,
    timeoutMs: num(f.timeoutMs),
    repeat: f.repeat ? orderedRepeat(JSON.parse(f.repeat) as RepeatSpec) : null,
    repeatKey: f.repeatKey ?? null,
    dedupeKey: f.dedupeKey ?? null,
    dedupeUntil: num(f.dedupeUntil),
    label: f.label ?? null,
    trace: f.trace ?? null,
    group: f.group ?? null,
    dueAt: Number(f.dueAt),
    nextRunAt: Number(f.nextRunAt),
    lastRunAt: num(f.lastRunAt),
    lastFinishedAt: num(f.lastFinishedAt),
    lastError: f.lastError ?? null,
    lastErrorStack: f.lastErrorStack ?? null,
    result: json(f.result) as Json | null,
    progress: json(f.progress) as Json | null,
    flow: json(f.flow),
    waitingFor: Number(f.waitingFor ?? 0),
    // A lock is its token: settle blanks lockToken ('' = no lock) and leaves lockedBy and lockedUntil as they
    // were (fewer fields written per job), so they count only beside a token.
    lockedBy: f.lockToken ? f.lockedBy || null : null,
    lockedUntil: f.lockToken && f.lockedUntil ? Number(f.lockedUntil) : null,
    lockToken: f.lockToken || null,
    createdAt: Number(f.createdAt),
    updatedAt: Number(f.updatedAt),
  };
}

/**
 * The claimed jobs from the claim script's reply (one JSON text, lua/shared/claim.lua): per job its hash as the
 * claim read it (HGETALL's flat array) with status and attempts as the claim set them and lockedUntil appended as
 * the last pair. The fields the claim writes itself (lastRunAt, lockedBy, lockToken, updatedAt) are the request's.
 */
export function claimedJobs(reply: string, request: ClaimRequest): ClaimedJob[] {
  return (JSON.parse(reply) as string[][]).map((flat) => claimedJob(flat, request));
}

function claimedJob(flat: string[], request: ClaimRequest): ClaimedJob {
  const job = decodeJob(flat) as ClaimedJob;
  job.lastRunAt = request.now;
  job.lockedBy = request.workerId;
  job.lockToken = request.lockToken;
  job.lockedUntil = Number(flat[flat.length - 1]); // the pair the claim appended (the hash's own may be a past run's)
  job.updatedAt = request.now;
  return job;
}

/** The public JobRecord: the lock token stays inside the store except for the claimer. */
export function publicJob(flat: string[]): JobRecord {
  const { lockToken: _token, ...job } = decodeJob(flat);
  return job;
}
