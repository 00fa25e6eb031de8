/**
 * The dedupe modes of a job's options (JobOptions.dedupeFor, replace), checked before anything reaches a store. The
 * rules they feed are in rules/dedupe.ts.
 */
import { ValidationError } from './errors.js';
import type { NewJob } from './store.js';
import { parsePositiveDuration } from './time/duration.js';
import type { Duration } from './types.js';

/** The name of an option in errors: `options.dedupeFor`, or `dedupeFor` itself where field is '' (an HTTP body). */
const named = (field: string, key: string): string => (field === '' ? key : `${field}.${key}`);

/** NewJob's dedupeForMs and replace from the options; each absent when not given (a plain job looks as it always did). */
export function dedupeModes(o: { dedupeKey?: unknown; dedupeFor?: unknown; replace?: unknown }, field: string): Pick<NewJob, 'dedupeForMs' | 'replace'> {
  const modes: Pick<NewJob, 'dedupeForMs' | 'replace'> = {};
  const keyless = o.dedupeKey === undefined || o.dedupeKey === null;
  if (o.dedupeFor !== undefined && o.dedupeFor !== null) {
    modes.dedupeForMs = parsePositiveDuration(o.dedupeFor as Duration, named(field, 'dedupeFor'));
    if (keyless) throw new ValidationError(named(field, 'dedupeFor'), o.dedupeFor, 'needs a dedupeKey: it says how long that key stays taken');
  }
  if (o.replace !== undefined && o.replace !== null && o.replace !== false) {
    if (o.replace !== true) throw new ValidationError(named(field, 'replace'), o.replace, 'must be true or false');
    if (keyless) throw new ValidationError(named(field, 'replace'), o.replace, 'needs a dedupeKey: it replaces the pending job holding that key');
    modes.replace = true;
  }
  return modes;
}

/**
 * dedupeFor and replace are for one-off jobs: a repeating job is one job forever (every() updates it by its key), so a
 * period counted from its creation would mean nothing useful.
 */
export function oneOffModes(job: NewJob, o: { dedupeFor?: unknown; replace?: unknown }, field: string): NewJob {
  if (job.repeat !== null && job.dedupeForMs != null) {
    throw new ValidationError(named(field, 'dedupeFor'), o.dedupeFor, 'is only for one-off jobs (a repeating job is kept by its key already)');
  }
  if (job.repeat !== null && job.replace === true) {
    throw new ValidationError(named(field, 'replace'), o.replace, 'is only for one-off jobs (every() already updates a repeating job by its key)');
  }
  return job;
}
