/**
 * The dedupe modes of a job's options (JobOptions.dedupeFor), checked before anything reaches a store. The
 * rules they feed are in rules/dedupe.ts.
 */
import { ValidationError } from './errors.js';
import type { NewJob } from './store.js';
import { parsePositiveDuration } from './time/duration.js';
import type { Duration } from './types.js';

/** The name of an option in errors: `options.dedupeFor`, or `dedupeFor` itself where field is '' (an HTTP body). */
const named = (field: string, key: string): string => (field === '' ? key : `${field}.${key}`);

/** NewJob's dedupeForMs from the options; absent when not given (a plain job looks as it always did). */
export function dedupeModes(o: { dedupeKey?: unknown; dedupeFor?: unknown }, field: string): Pick<NewJob, 'dedupeForMs'> {
  if (o.dedupeFor === undefined || o.dedupeFor === null) return {};
  const ms = parsePositiveDuration(o.dedupeFor as Duration, named(field, 'dedupeFor'));
  if (o.dedupeKey === undefined || o.dedupeKey === null) {
    throw new ValidationError(named(field, 'dedupeFor'), o.dedupeFor, 'needs a dedupeKey: it says how long that key stays taken');
  }
  return { dedupeForMs: ms };
}

/**
 * dedupeFor is for one-off jobs: a repeating job is one job forever (every() updates it by its key), so a
 * period counted from its creation would mean nothing useful.
 */
export function oneOffModes(job: NewJob, o: { dedupeFor?: unknown }, field: string): NewJob {
  if (job.repeat !== null && job.dedupeForMs != null) {
    throw new ValidationError(named(field, 'dedupeFor'), o.dedupeFor, 'is only for one-off jobs (a repeating job is kept by its key already)');
  }
  return job;
}
