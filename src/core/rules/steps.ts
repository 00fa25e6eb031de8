/**
 * The rules of durable runs (ctx.step, ctx.sleep, ctx.waitForEvent, sendEvent), written once. MemoryStore
 * applies them directly; SQLite (in its transaction), PostgreSQL (in its transaction) and Redis (Lua) implement
 * the same rules, proven equal by test/differential.
 *
 * A job's entries (StepRecord) are kept per cycle, beside the job: a store deletes them with the job, trigger()
 * of a finished job and every() reviving one (rules/insert.ts upsertStartsCycle) delete them (a new cycle
 * starts with none), and the core deletes them (clearSteps) before
 * a repeating job's run that used them settles into its next occurrence.
 *
 * Waits are indexed by event name (a store keeps, per name, the jobs waiting for it), so sendEvent reads only
 * the jobs waiting for that name. An index entry is dropped lazily: sendEvent drops those whose job no longer
 * waits for the event (waitVerdict).
 */
import type { JobRecord, SentEvent, StepRecord, Suspension } from '../store.js';
import type { Json } from '../types.js';
import { settledRecord, type HeldJob } from './lifecycle.js';

/** How long events are kept for waits that have not been reached yet (sendEvent forgets older ones of its name). */
export const EVENT_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Whether retention at `now` forgets an event (Store.pruneEvents, with before = now - EVENT_RETENTION_MS): the same
 * age sendEvent forgets its own name's events at, for every name, so a name nobody sends again does not keep its
 * events for ever.
 */
export function eventForgotten(event: Pick<SentEvent, 'sentAt'>, before: number): boolean {
  return event.sentAt < before;
}

/** Order of a job's entries: by the time they were saved, then by key. */
export function compareSteps(a: Pick<StepRecord, 'at' | 'key'>, b: Pick<StepRecord, 'at' | 'key'>): number {
  return a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** saveStep and clearSteps act only for the run holding the running job (as saveProgress). */
export function holdsRun(job: HeldJob | null, lockToken: string): boolean {
  return job !== null && job.lockToken === lockToken && job.record.status === 'running';
}

/**
 * Whether a payload matches a wait: every field of `match` is a top-level field of the payload (an object)
 * with an equal value. Match values are scalars (validated by the core: string, number, boolean or null), so
 * equality is plain equality on every store.
 */
export function matchesEvent(match: Record<string, Json> | undefined, payload: Json): boolean {
  if (match === undefined) return true;
  const keys = Object.keys(match);
  if (keys.length === 0) return true;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return false;
  const fields = payload as Record<string, Json>;
  return keys.every((key) => Object.hasOwn(fields, key) && fields[key] === match[key]);
}

/**
 * The event a wait takes: of `events` (in the order sent), those of this name sent at or after `since` that
 * match, the earliest by sent time, then the first sent (stores read them ordered by sent time, then sequence).
 */
export function firstMatch(events: Iterable<SentEvent>, name: string, match: Record<string, Json> | undefined, since: number): SentEvent | null {
  let first: SentEvent | null = null;
  for (const event of events) {
    if (event.name !== name || event.sentAt < since || !matchesEvent(match, event.payload)) continue;
    if (first === null || event.sentAt < first.sentAt) first = event;
  }
  return first;
}

/** A waiting entry delivered: done, the payload its result, saved when the event came. */
export function deliveredStep(step: StepRecord, payload: Json, at: number): StepRecord {
  return { ...step, state: 'done', result: payload, at };
}

/**
 * Suspend: the settlement applied as settle() applies it (settledRecord: nothing if the lease was lost; a job
 * cancelled meanwhile stays cancelled), then, if the job is left pending, its entry: a waiting entry is first
 * checked against the events sent since its `since` (`find`); a match delivers it at once and makes the job
 * due now, else the job waits (`register`: index it under the event's name).
 */
export function suspendedRecord(
  job: HeldJob | null,
  s: Suspension,
  find: (name: string, match: Record<string, Json> | undefined, since: number) => SentEvent | null,
): { record: JobRecord; step: StepRecord | null; register: string | null } | null {
  if (job === null) return null;
  const settled = settledRecord(job, s);
  if (!settled) return null;
  let record = settled.record;
  if (record.status !== 'pending') return { record, step: null, register: null };
  let step = s.step;
  let register: string | null = null;
  if (step.kind === 'wait' && step.state === 'waiting') {
    const event = find(step.event!, step.match, step.since ?? 0);
    if (event) {
      step = deliveredStep(step, event.payload, s.finishedAt);
      record = { ...record, nextRunAt: Math.min(record.nextRunAt, s.finishedAt) };
    } else register = step.event!;
  }
  return { record, step, register };
}

/**
 * What sendEvent does with one job indexed as waiting for event `name`: 'wake' (pending, its entry waits for
 * this event and the payload matches), 'keep' (still waiting: the payload does not match, or the job runs
 * and may wait again), 'drop' (the job is gone or no longer waits for it: forget the index entry).
 */
export function waitVerdict(job: Pick<JobRecord, 'status'> | null, step: StepRecord | undefined, name: string, payload: Json): 'wake' | 'keep' | 'drop' {
  if (job === null || step === undefined || step.kind !== 'wait' || step.state !== 'waiting' || step.event !== name) return 'drop';
  if (job.status === 'running') return 'keep';
  if (job.status !== 'pending') return 'drop';
  return matchesEvent(step.match, payload) ? 'wake' : 'keep';
}

/** A woken job: due now (or as early as it already was). */
export function wokenRecord(job: JobRecord, now: number): JobRecord {
  return { ...job, nextRunAt: Math.min(job.nextRunAt, now), updatedAt: now };
}

/** Whether a trigger() of this job starts a new cycle (its entries are deleted with it). */
export function triggerStartsCycle(job: Pick<JobRecord, 'status'>): boolean {
  return job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
}
