/**
 * countJobs' statement. Every status of every name: count-all.sql, one grouped pass (every entry is read
 * whichever way). Otherwise count.sql: an arm per status asked for, the status a fixed text (one of
 * JOB_STATUSES, never input), with the name as a parameter or none, so that each arm is planned for its own
 * status, with statistics or without: a few failed or running jobs are counted from their index, a big status
 * by whichever read of it is cheaper. Prepared once per connection under a name derived from the text.
 */
import type { JobStatus } from '../../core/types.js';
import { JOB_STATUSES } from '../../core/types.js';
import { type BuiltStatement, statementName, substitute, template } from './sql.js';

/** The statement counting `statuses` (of `name`, or of every name); null when no known status is asked for. */
export function countStatement(name: string | undefined, statuses: readonly JobStatus[], quotedSchema: string): BuiltStatement | null {
  const asked = JOB_STATUSES.filter((s) => statuses.includes(s));
  if (asked.length === 0) return null;
  if (name === undefined && asked.length === JOB_STATUSES.length) {
    const text = substitute(template('count-all.sql'), quotedSchema);
    return { name: statementName('count-all', text), text, values: [] };
  }
  const arms = asked
    .map((s) => `SELECT '${s}'::text AS status, count(*)::integer AS n FROM {{schema}}.jobs WHERE status = '${s}'${name === undefined ? '' : ' AND name = $1::text'}`)
    .join('\nUNION ALL\n');
  const text = substitute(template('count.sql').replace('{{arms}}', arms), quotedSchema);
  return { name: statementName('count', text), text, values: name === undefined ? [] : [name] };
}
