/**
 * The lists no Redis index answers whole (Store.listJobs; the rules are core/rules/query.ts): a text
 * (matchesText: no index can answer a substring), repeating jobs (walked from P:rep), a group's jobs (walked
 * from P:gjobs:<group>, so a tenant's list costs its jobs, never the table), and any order other than
 * insertion (createdAt) or, for pending jobs of every name, nextRunAt (list_pending.lua). The jobs of the
 * query's statuses (and name), or the repeating ones, are walked in insertion order in chunks by
 * lua/search.lua. Each chunk is one short script (at most SEARCH_CHUNK jobs and about SEARCH_BYTES of their
 * text), so a walk through millions of jobs never blocks Redis for long, at one round trip per chunk. Chunks
 * continue past the last id looked at, so a job is never seen twice; like any paged read over a live store,
 * the pages are not one snapshot.
 * - In insertion order (searchJobs), the walk stops as soon as offset + limit matches are found.
 * - In another order (sortedJobs), every match is looked at (its id and the field's value), the first
 *   offset + limit kept; then those jobs are read (rows.lua) and ordered by their values as read. This is the
 *   one read whose cost grows with the jobs the filters keep: a name, statuses or `repeating` narrow it.
 */
import type { Redis } from 'ioredis';
import { compareJobs, lowerAscii, matchesQuery } from '../../core/rules/query.js';
import type { JobOrder, JobQuery, JobRecord } from '../../core/store.js';
import { publicJob } from './codec.js';
import type { Keys } from './keys.js';
import { scripts } from './scripts.js';

/** Jobs one search.lua call looks at, at most. About 2 µs each for small jobs: a few ms per call. */
export const SEARCH_CHUNK = 1000;
/** A call also stops once it has read this much text (name, label, data, lastError), for jobs with large data. */
export const SEARCH_BYTES = 1 << 20;

export interface TextQuery {
  /** '' = any name. */
  name: string;
  /** '' = no text filter (an empty text matches every job). */
  text: string;
  /** None = all five. */
  statuses: string[];
  offset: number;
  limit: number;
  /** Insertion order, newest first by default. */
  dir?: 'asc' | 'desc';
  /** Only jobs with a repeat (walks P:rep). */
  repeating?: boolean;
  /** Only jobs of this group (walks P:gjobs:<group>; with repeating too, the group's walk filtered by the field). */
  group?: string;
}

function args(keys: Keys, query: TextQuery, cursor: string, skip: number, want: number, chunk: number, bytes: number, field: string) {
  return [
    keys.tag, query.name, lowerAscii(query.text), cursor, skip, want, chunk, bytes, query.dir ?? 'desc', query.repeating ? '1' : '0', field, query.group ?? '', ...query.statuses,
  ];
}

/** A page in insertion order: the walk stops once offset + limit matches are found. */
export async function searchJobs(client: Redis, keys: Keys, query: TextQuery, chunk = SEARCH_CHUNK, bytes = SEARCH_BYTES): Promise<JobRecord[]> {
  const found: JobRecord[] = [];
  let skip = query.offset;
  let cursor = '';
  while (found.length < query.limit) {
    const want = query.limit - found.length;
    const [next, skipped, ...rows] = (await scripts().search.run(client, keys.meta, args(keys, query, cursor, skip, want, chunk, bytes, ''))) as [string, number, ...string[][]];
    skip -= skipped;
    for (const row of rows) found.push(publicJob(row));
    if (next === '') break;
    cursor = next;
  }
  return found;
}

/** Order fields as search.lua returns them (text) back to the values core's compareJobs reads. */
function partial(id: string, order: JobOrder, value: string): JobRecord {
  const v = order.by === 'name' ? value : value === '' ? null : Number(value);
  return { id, [order.by]: v } as unknown as JobRecord;
}

/** A page in `order`: every match is looked at, the first offset + limit kept, then read and ordered. */
export async function sortedJobs(client: Redis, keys: Keys, query: JobQuery, order: JobOrder, chunk = SEARCH_CHUNK, bytes = SEARCH_BYTES): Promise<JobRecord[]> {
  const keep = query.offset + query.limit;
  const walk: TextQuery = {
    name: query.name ?? '', text: query.text ?? '', statuses: [...new Set(query.status ?? [])], offset: 0, limit: keep, repeating: query.repeating === true,
    ...(query.group !== undefined ? { group: query.group } : {}),
  };
  const compare = compareJobs(order);
  let best: JobRecord[] = [];
  let cursor = '';
  for (;;) {
    const [next, , ...pairs] = (await scripts().search.run(client, keys.meta, args(keys, walk, cursor, 0, 1, chunk, bytes, order.by))) as [string, number, ...string[]];
    for (let i = 0; i < pairs.length; i += 2) best.push(partial(pairs[i]!, order, pairs[i + 1]!));
    // Trim as we go: memory stays O(offset + limit + chunk) however many jobs match.
    if (best.length > keep) best = best.sort(compare).slice(0, keep);
    if (next === '') break;
    cursor = next;
  }
  if (best.length === 0) return [];
  const ids = best.sort(compare).map((job) => job.id);
  const rows = (await scripts().rows.run(client, keys.meta, [keys.tag, ...ids])) as string[][];
  // Read after the walk: a job that changed meanwhile is placed (or left out) by what it is now.
  return rows.map(publicJob).filter((job) => matchesQuery(job, query)).sort(compare).slice(query.offset, query.offset + query.limit);
}
