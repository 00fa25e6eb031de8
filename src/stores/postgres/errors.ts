/**
 * How errors leave the PostgreSQL store: through core's storeError() like every store's (our typed errors
 * pass through; a driver error becomes StoreError "postgres <operation> failed: …" with it as `cause`), except
 * JSON that PostgreSQL refuses, which is bad input (INVALID_DATA), not a store failure.
 */
import { InvalidDataError, storeError, type HourglassError } from '../../core/errors.js';

export function pgError(operation: string, error: unknown): HourglassError {
  // Valid JSON that PostgreSQL's JSON functions refuse: U+0000 in a string (22P05), a lone UTF-16 surrogate
  // (22P02). They turn every string they read into text, which holds neither. data, result and progress travel
  // as JSON text and never meet this (see jsonParam() in rows.ts); repeat, backoff and the text fields (name,
  // keys, label, error texts) still can.
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '22P05' || (code === '22P02' && /json|unicode/i.test(message))) {
    const reason = code === '22P05' ? 'PostgreSQL cannot store the character U+0000 inside JSON strings' : `PostgreSQL rejected the JSON (${message})`;
    return new InvalidDataError(`${operation} data`, '[a JSON value]', reason);
  }
  if (/unsupported startup parameter: options/.test(message)) {
    // PgBouncer's answer to the startup settings the pool we own sends on a direct connection.
    return storeError('postgres', operation, new Error(`${message} (a connection pooler such as PgBouncer: set the store's poolMode option, or ?poolMode=transaction|session in the URL)`, { cause: error }));
  }
  return storeError('postgres', operation, error);
}

/**
 * A unique violation of jobs_dedupe: a job became live with a dedupe key that a job committed after our
 * statement's snapshot holds. The statements that can revive a job (insert's repeat upsert, trigger) check
 * for holders first; this is their race with another transaction, answered by asking again.
 */
export function isDedupeRace(error: unknown): boolean {
  const cause = driverCause(error);
  return cause?.code === '23505' && cause.constraint === 'jobs_dedupe';
}

/**
 * A foreign-key violation of an edge's dependency: insertFlow found a finished node by its once key (read without
 * a lock), and retention deleted that node before the edge to it was written (the edge's foreign-key check waits
 * for the delete, then fails). Nothing was written; asked again, insertFlow no longer finds the node and adds a
 * fresh one, as it would have had retention run first.
 */
export function isPrunedDependencyRace(error: unknown): boolean {
  const cause = driverCause(error);
  return cause?.code === '23503' && cause.constraint === 'edges_parent_id_fkey';
}

/**
 * PostgreSQL broke a deadlock by aborting this statement (40P01): nothing it did was kept, so it may be sent
 * again. Prune is the statement that meets one: it locks the jobs it deletes without waiting (SKIP LOCKED), but
 * the delete's cascade to a workflow job's edges waits for an edge that a settle of its dependency holds, while
 * that settle waits for the dependent prune locked.
 */
export function isDeadlock(error: unknown): boolean {
  return driverCause(error)?.code === '40P01';
}

/** The driver's error under a StoreError from pgError(): its SQLSTATE code and the constraint it names. */
function driverCause(error: unknown): { code?: string; constraint?: string } | undefined {
  return (error as { cause?: { code?: string; constraint?: string } } | null)?.cause;
}
