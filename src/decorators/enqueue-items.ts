/**
 * Items → durable jobs: what a @query run does with what its method returned, also usable on its own (the
 * seed's RedisQueue.fill). One scheduleBulk per batch (split into chunks), so a batch is stored in one round
 * trip and an async generator is never read further ahead than the batch being stored.
 *
 * At least once: a @query run completes only after its last batch is stored. If its process dies between
 * batches, the run's lease expires and another process runs the query again from the start, storing every
 * batch again. Nothing is skipped by position (a query such as "pending orders" may return different rows on
 * the second run), so no item is lost; to keep the second run from doubling work, each item carries a
 * dedupeKey made of its content and its position: an equal item at the same position that is still pending or
 * running is not stored twice. An item that already finished may run again: handlers should be idempotent.
 */
import { createHash } from 'node:crypto';
import { InvalidDataError, ValidationError } from '../core/errors.js';
import type { Scheduler } from '../core/scheduler.js';
import type { ScheduleSpec } from '../core/types.js';
import { assertInt, assertName } from '../core/validate.js';

/** An array of items, or an (async) iterable of batches, each an array of items. */
export type ItemSource<T = unknown> = readonly T[] | AsyncIterable<readonly T[]> | Iterable<readonly T[]>;

export interface EnqueueProgress {
  /** Batches read so far (an array counts as one). */
  batches: number;
  /** Items stored so far (including those matched to a pending equal item). */
  items: number;
}

export interface EnqueueItemsOptions {
  /** Stops between chunks (a cancelled or timed-out @query run). */
  signal?: AbortSignal;
  /** Most items per scheduleBulk call; larger batches are split. Default 500. */
  chunkSize?: number;
  /** Match an item to an equal one still pending or running at the same position (default true). */
  dedupe?: boolean;
  /** After each stored chunk (the @query run saves this as its progress). */
  onChunk?: (progress: EnqueueProgress) => unknown;
  /** Names the source in errors. Default 'items'. */
  field?: string;
}

/** Store each item as a job of `name` (its data is the item, as JSON). Resolves once every item is stored. */
export async function enqueueItems(scheduler: Scheduler, name: string, source: ItemSource, options: EnqueueItemsOptions = {}): Promise<EnqueueProgress> {
  assertName(name, 'name');
  const field = options.field ?? 'items';
  const chunkSize = options.chunkSize === undefined ? 500 : assertInt(options.chunkSize, 'options.chunkSize', 1);
  const dedupe = options.dedupe !== false;
  const progress: EnqueueProgress = { batches: 0, items: 0 };

  const store = async (batch: unknown, batchIndex: number, batchField: string): Promise<void> => {
    if (!Array.isArray(batch)) throw new ValidationError(batchField, batch, 'each batch must be an array of items');
    progress.batches++;
    for (let start = 0; start < batch.length; start += chunkSize) {
      options.signal?.throwIfAborted();
      const specs: ScheduleSpec[] = [];
      for (let i = start; i < Math.min(batch.length, start + chunkSize); i++) {
        const { data, text } = toJsonItem(batch[i], `${batchField}[${i}]`);
        const spec: ScheduleSpec = { name, data };
        if (dedupe) spec.dedupeKey = dedupeKey(name, text, batchIndex, i);
        specs.push(spec);
      }
      await scheduler.scheduleBulk(specs);
      progress.items += specs.length;
      await options.onChunk?.({ ...progress });
    }
  };

  if (Array.isArray(source)) {
    await store(source, 0, field);
  } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    let index = 0;
    for await (const batch of source as AsyncIterable<unknown>) {
      await store(batch, index, `${field} batch ${index}`);
      index++;
    }
  } else if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    let index = 0;
    for (const batch of source as Iterable<unknown>) {
      await store(batch, index, `${field} batch ${index}`);
      index++;
    }
  } else {
    throw new ValidationError(field, source, 'must be an array of items or an async generator of batches (arrays)');
  }
  return progress;
}

/** Items travel as JSON (as in the seed's Redis queue): a Date arrives as its ISO string. */
function toJsonItem(item: unknown, field: string): { data: unknown; text: string } {
  if (item === undefined) throw new InvalidDataError(field, item, 'an item cannot be undefined');
  let text: string | undefined;
  try {
    text = JSON.stringify(item);
  } catch (error) {
    throw new InvalidDataError(field, item, `cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new InvalidDataError(field, item, 'cannot be stored as JSON');
  return { data: JSON.parse(text), text };
}

/** Content and position: equal content at another position is a different item and is stored. */
function dedupeKey(name: string, text: string, batch: number, index: number): string {
  const hash = createHash('sha256').update(name).update('\0').update(text).digest('base64url').slice(0, 22);
  return `item:${hash}:${batch}.${index}`;
}

/** The seed's RedisQueue.requeue(): failed jobs of `name` run again (attempts start over). Returns how many. */
export async function requeueFailed(scheduler: Scheduler, name: string): Promise<number> {
  return scheduler.requeueFailed(assertName(name, 'name'));
}
