/**
 * listJobs with `text` (Store.listJobs; the rule is core/rules/query.ts matchesText): no index can answer a
 * substring, so the jobs of the query's statuses (and name) are walked newest first, in chunks, by
 * lua/search.lua, and the walk stops as soon as offset + limit matches are found. Each chunk is one short
 * script (at most SEARCH_CHUNK jobs and about SEARCH_BYTES of their text), so a search through millions of
 * jobs never blocks Redis for long, at one round trip per chunk. Chunks continue below the last id looked at,
 * so a job is never seen twice; like any paged read over a live store, the pages are not one snapshot.
 */
import type { Redis } from 'ioredis';
import { lowerAscii } from '../../core/rules/query.js';
import type { JobRecord } from '../../core/store.js';
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
  /** Not empty (an empty text matches every job: the caller lists without it). */
  text: string;
  /** None = all five. */
  statuses: string[];
  offset: number;
  limit: number;
}

export async function searchJobs(client: Redis, keys: Keys, query: TextQuery, chunk = SEARCH_CHUNK, bytes = SEARCH_BYTES): Promise<JobRecord[]> {
  const found: JobRecord[] = [];
  const needle = lowerAscii(query.text);
  let skip = query.offset;
  let below = '';
  while (found.length < query.limit) {
    const want = query.limit - found.length;
    const args = [keys.tag, query.name, needle, below, skip, want, chunk, bytes, ...query.statuses];
    const [next, skipped, ...rows] = (await scripts().search.run(client, keys.meta, args)) as [string, number, ...string[][]];
    skip -= skipped;
    for (const row of rows) found.push(publicJob(row));
    if (next === '') break;
    below = next;
  }
  return found;
}
