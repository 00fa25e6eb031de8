/**
 * The rules of reading, written once (see claim.ts for how stores use them). Lists are newest first (ids grow
 * with insertion); `text` matches a substring of the name, label, data's JSON text or lastError, ignoring the
 * case of ASCII letters only (so every store can do the same: SQLite's LIKE, PostgreSQL's translate(), Lua's
 * string.lower all agree on A-Z and leave other characters as they are).
 */
import type { JobRecord } from '../store.js';

const UPPER = /[A-Z]/g;

/** Lower-case A-Z, nothing else. */
export function lowerAscii(text: string): string {
  return text.replace(UPPER, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export function matchesText(job: Pick<JobRecord, 'name' | 'label' | 'data' | 'lastError'>, text: string): boolean {
  const needle = lowerAscii(text);
  return [job.name, job.label ?? '', JSON.stringify(job.data), job.lastError ?? ''].some((field) => lowerAscii(field).includes(needle));
}

/** Records last seen before this many ms ago are forgotten (Store.putProcess). */
export const PROCESS_KEPT_MS = 60 * 60 * 1000;
