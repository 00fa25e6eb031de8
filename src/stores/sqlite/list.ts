/**
 * listJobs' statement for a query (rules/query.ts): newest first (ids grow with insertion), filtered by status,
 * name and text, then limit and offset. One statement text per combination of filters, prepared once.
 */
import { lowerAscii } from '../../core/rules/query.js';
import type { JobQuery } from '../../core/store.js';

/**
 * matchesText: a substring of the name, label, data's JSON text or last error, with A-Z folded and nothing
 * else. SQLite's built-in lower() folds ASCII only (this build has no ICU) and the needle is folded by core's
 * lowerAscii; instr() finds it as it is, where LIKE would read % and _ as wildcards, stop at a NUL and refuse
 * a pattern over 50,000 bytes. A NULL label or error matches nothing; the empty text matches every job (through
 * its name). No index serves it: the rows are read in list order and the walk stops at the limit.
 */
const MATCHES_TEXT =
  '(instr(lower(name), @text) > 0 OR instr(lower(label), @text) > 0 OR instr(lower(data), @text) > 0 OR instr(lower(last_error), @text) > 0)';

export function listStatement(query: JobQuery): { text: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: query.limit, offset: query.offset };
  if (query.status && query.status.length > 0) {
    where.push('status IN (SELECT value FROM json_each(@statuses))');
    params.statuses = JSON.stringify(query.status);
  }
  if (query.name !== undefined) {
    where.push('name = @name');
    params.name = query.name;
  }
  if (query.text !== undefined) {
    where.push(MATCHES_TEXT);
    params.text = lowerAscii(query.text);
  }
  const text = `SELECT * FROM hourglass_jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT @limit OFFSET @offset`;
  return { text, params };
}
