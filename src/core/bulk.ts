/**
 * scheduleBulk's streamed form (issue 16, Memory): `scheduleBulk(specs, { chunkSize, onChunk })` with an array
 * or any (async) iterable. The array form keeps every spec, the store's whole batch and every job view alive at
 * once (100,000 jobs on SQLite peaked at 271 MB); this form holds one chunk: it reads `chunkSize` specs,
 * validates them, stores them in one atomic store operation (Store.insert), and only then reads on.
 *
 * What is atomic: each chunk, nothing more. A failure part-way (a bad spec, the source throwing, the store
 * refusing) stops the stream with a BulkInsertError: every chunk before the failing one is stored, nothing of
 * it or after it is, so `error.stored` is where to resume. A spec's dedupe key or repeat key behaves as in one
 * insert: taken by an earlier spec of the same chunk or of an earlier chunk (now stored), the holder comes back.
 */
import { BulkInsertError, ValidationError } from './errors.js';
import type { InsertResult, NewJob } from './store.js';
import type { BulkSummary } from './types.js';
import { assertInt } from './validate.js';

export const DEFAULT_CHUNK_SIZE = 1_000;
/** A chunk is one store operation: on Redis one script, which blocks the server while it runs. */
export const MAX_CHUNK_SIZE = 10_000;

export function chunkSizeOf(value: unknown, field: string): number {
  if (value === undefined) return DEFAULT_CHUNK_SIZE;
  const size = assertInt(value, field, 1);
  if (size > MAX_CHUNK_SIZE) throw new ValidationError(field, value, `must be at most ${MAX_CHUNK_SIZE} (each chunk is one store operation)`);
  return size;
}

type Next = () => IteratorResult<unknown> | Promise<IteratorResult<unknown>>;

/** The source's iterator; a source that is not iterable is refused before anything is read or stored. */
function iteratorOf(source: unknown, field: string): { next: Next; close(): Promise<void> } {
  const s = source as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown>; [Symbol.iterator]?: () => Iterator<unknown> } | null;
  const make: ((this: unknown) => AsyncIterator<unknown> | Iterator<unknown>) | null =
    typeof s?.[Symbol.asyncIterator] === 'function' ? s[Symbol.asyncIterator]! : typeof s?.[Symbol.iterator] === 'function' && typeof source !== 'string' ? s[Symbol.iterator]! : null;
  // A string is iterable (its characters), but never a list of specs.
  if (!make) throw new ValidationError(field, source, 'must be an array or an (async) iterable of job specs');
  const iterator = make.call(source);
  return {
    next: () => iterator.next(),
    // A generator left part-way runs its `finally` (closes its cursor, say); its own failure there is not ours.
    close: async () => {
      try {
        await iterator.return?.();
      } catch {
        // the stream already failed; that failure is the one reported
      }
    },
  };
}

/**
 * Read `source`, make each item a NewJob (`toJob(item, index)` throws a ValidationError naming specs[index]),
 * and store them in order, `chunkSize` at a time, each chunk through one `insert` (one atomic store
 * operation). `stored` learns each chunk once it is stored and is awaited before the next is read. Any
 * failure becomes a BulkInsertError carrying what was stored before it.
 */
export async function insertInChunks(
  source: unknown,
  chunkSize: number,
  toJob: (item: unknown, index: number) => NewJob,
  insert: (jobs: NewJob[]) => Promise<InsertResult[]>,
  stored?: (results: InsertResult[], first: number, index: number) => unknown,
  field = 'specs',
): Promise<BulkSummary> {
  const iterator = iteratorOf(source, field);
  const summary: BulkSummary = { stored: 0, created: 0, existing: 0, chunks: 0 };
  let chunk: NewJob[] = [];
  try {
    for (let index = 0; ; index++) {
      // A sync iterator's next() is not awaited: a million awaits would be a million microtasks for nothing.
      let next = iterator.next();
      if (next instanceof Promise) next = await next;
      if (!next.done) chunk.push(toJob(next.value, index));
      if (chunk.length === chunkSize || (next.done && chunk.length > 0)) {
        const first = summary.stored;
        const results = await insert(chunk);
        chunk = [];
        let created = 0;
        for (const result of results) if (result.created) created++;
        summary.stored += results.length;
        summary.created += created;
        summary.existing += results.length - created;
        summary.chunks++;
        if (stored) await stored(results, first, summary.chunks - 1);
      }
      if (next.done) return summary;
    }
  } catch (error) {
    await iterator.close();
    throw new BulkInsertError({ ...summary }, error);
  }
}
