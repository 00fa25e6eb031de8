/**
 * The rules of reading, written once (see claim.ts for how stores use them). Lists are newest first (ids grow
 * with insertion) unless an order is given (compareJobs); `text` matches a substring of the name, label, data's JSON text or lastError, ignoring the
 * case of ASCII letters only (so every store can do the same: SQLite's LIKE, PostgreSQL's translate(), Lua's
 * string.lower all agree on A-Z and leave other characters as they are).
 */
import type { JobOrder, JobOrderField, JobQuery, JobRecord } from '../store.js';

const UPPER = /[A-Z]/g;

/** Lower-case A-Z, nothing else. */
export function lowerAscii(text: string): string {
  return text.replace(UPPER, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export function matchesText(job: Pick<JobRecord, 'name' | 'label' | 'data' | 'lastError'>, text: string): boolean {
  const needle = lowerAscii(text);
  return [job.name, job.label ?? '', JSON.stringify(job.data), job.lastError ?? ''].some((field) => lowerAscii(field).includes(needle));
}

/** Whether a job belongs in a list (JobQuery): every filter given must hold. */
export function matchesQuery(job: JobRecord, query: Omit<JobQuery, 'limit' | 'offset' | 'order'>): boolean {
  if (query.status && query.status.length > 0 && !query.status.includes(job.status)) return false;
  if (query.name !== undefined && job.name !== query.name) return false;
  if (query.repeating === true && job.repeat === null) return false;
  if (query.group !== undefined && job.group !== query.group) return false;
  if (query.text !== undefined && !matchesText(job, query.text)) return false;
  return true;
}

/**
 * What a list can be ordered by (JobQuery.order), and what each costs a store holding millions of jobs:
 * - createdAt: insertion order (ids grow with insertion; createdAt itself is the inserting process's clock, which
 *   may lag another's). Read from the status indexes, O(offset + limit). The default, newest first.
 * - nextRunAt over pending jobs alone (status ['pending'], no text): the claim indexes, one seek per distinct
 *   priority, O(priorities × (offset + limit)) (SQL: a loose index scan; Redis: the ready and scheduled zsets).
 *   That is the overview's oldest waiting job.
 * - anything else (updatedAt, lastRunAt, priority, attempts, name, or nextRunAt over other statuses): no index;
 *   every job the filters keep is read once and the page kept (SQL: a top-N sort; Redis: chunked walks of
 *   bounded scripts). Filters narrow it: `repeating` reads only the repeating jobs, a name only its jobs.
 * - with a `group`: the group's own index (its jobs by id, whatever their status) is walked instead, the other
 *   filters applied to what it holds, so the cost is the group's jobs (in insertion order the walk stops at
 *   offset + limit matches), never the table. A group is one tenant's: a few among many. The claim's
 *   per-(name, group) index is not used for lists (it holds pending jobs only, and needs the name).
 */
export const JOB_ORDER_FIELDS: readonly JobOrderField[] = ['createdAt', 'updatedAt', 'nextRunAt', 'lastRunAt', 'priority', 'attempts', 'name'];

export const DEFAULT_ORDER: JobOrder = { by: 'createdAt', dir: 'desc' };

/** The value a job is ordered by; null (a job never run, for lastRunAt) sorts last in either direction. */
export function orderValue(job: JobRecord, by: JobOrderField): number | string | null {
  switch (by) {
    case 'createdAt':
      return Number(job.id);
    case 'name':
      return job.name;
    default:
      return job[by];
  }
}

/**
 * Unicode code point order, which is UTF-8 byte order: SQLite's BINARY collation, PostgreSQL's "C", Lua's
 * bytes. JavaScript's `<` compares UTF-16 units, which differs for characters above U+FFFF.
 */
export function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/**
 * The order of a list: by the field in `dir`, nulls last, then by insertion (id) in the same direction, so
 * every job has one place and offset paging neither repeats nor skips one while nothing changes.
 */
export function compareJobs(order: JobOrder = DEFAULT_ORDER): (a: JobRecord, b: JobRecord) => number {
  const sign = order.dir === 'asc' ? 1 : -1;
  return (a, b) => {
    const x = orderValue(a, order.by);
    const y = orderValue(b, order.by);
    if (x !== y) {
      if (x === null) return 1;
      if (y === null) return -1;
      const c = typeof x === 'string' ? compareText(x, y as string) : x - (y as number);
      if (c !== 0) return sign * c;
    }
    return sign * (Number(a.id) - Number(b.id));
  };
}

/** Records last seen before this many ms ago are forgotten (Store.putProcess). */
export const PROCESS_KEPT_MS = 60 * 60 * 1000;
