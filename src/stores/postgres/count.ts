/**
 * countJobs' statement: count-all.sql (one pass, grouped) for every status of every name, count.sql (a range
 * of jobs_status_name per status asked for, of one name or all) otherwise. Every status counted means every
 * entry read whichever way; a subset or a name reads only its own entries, which count.sql's ranges do.
 */
import type { JobStatus } from '../../core/types.js';
import { JOB_STATUSES } from '../../core/types.js';
import type { SqlName } from './sql.js';

export function countStatement(name: string | undefined, statuses: readonly JobStatus[]): { sql: SqlName; values: unknown[] } {
  const asked = JOB_STATUSES.filter((s) => statuses.includes(s));
  if (name === undefined && asked.length === JOB_STATUSES.length) return { sql: 'count-all', values: [] };
  return { sql: 'count', values: [name ?? null, asked] };
}
