/**
 * listJobs' statement for a query (rules/query.ts: matchesQuery, compareJobs): list-pending.sql for pending
 * jobs by nextRunAt (a loose index scan of the claim index), list-name.sql for one name's jobs in insertion
 * order (a seek per status), list-status.sql for some statuses' jobs in insertion order (a seek per status),
 * list.sql for everything else. The texts are
 * templates whose placeholders take fixed fragments chosen here (an order, a direction, a filter), never input;
 * values travel as parameters. Each text is prepared once per connection under a name derived from it.
 */
import { DEFAULT_ORDER, lowerAscii } from '../../core/rules/query.js';
import type { JobOrderField, JobQuery } from '../../core/store.js';
import { JOB_STATUSES } from '../../core/types.js';
import { type BuiltStatement, statementName as nameOf, substitute, template } from './sql.js';

/** Columns of the order fields. Names compare by "C": UTF-8 bytes, core's compareText, whatever the database's collation. */
const COLUMN: Record<JobOrderField, string> = {
  createdAt: 'id',
  updatedAt: 'updated_at',
  nextRunAt: 'next_run_at',
  lastRunAt: 'last_run_at',
  priority: 'priority',
  attempts: 'attempts',
  name: 'name COLLATE "C"',
};

/** No filter but statuses and a name: the text search, repeating and group filters each need list.sql. */
function onlyStatusAndName(query: JobQuery): boolean {
  return query.text === undefined && !query.repeating && query.group === undefined;
}

/** Pending jobs alone, by nextRunAt, without text or repeating: the claim indexes answer it. */
export function isPendingByNextRun(query: JobQuery): boolean {
  return (
    (query.order ?? DEFAULT_ORDER).by === 'nextRunAt' &&
    query.status !== undefined &&
    query.status.length > 0 &&
    query.status.every((s) => s === 'pending') &&
    onlyStatusAndName(query)
  );
}

/** One name's jobs in insertion order, with no filter but statuses: list-name.sql, a seek per status. */
export function isNameByCreation(query: JobQuery): boolean {
  return (query.order ?? DEFAULT_ORDER).by === 'createdAt' && query.name !== undefined && onlyStatusAndName(query);
}

/** Some statuses' jobs in insertion order, with no other filter (the console's tabs): list-status.sql, a seek per status. */
export function isStatusByCreation(query: JobQuery): boolean {
  return (
    (query.order ?? DEFAULT_ORDER).by === 'createdAt' &&
    query.status !== undefined &&
    query.status.length > 0 &&
    query.status.every((s) => (JOB_STATUSES as readonly string[]).includes(s)) &&
    query.name === undefined &&
    onlyStatusAndName(query)
  );
}

export function listStatement(query: JobQuery, quotedSchema: string): BuiltStatement {
  const order = query.order ?? DEFAULT_ORDER;
  const dir = order.dir === 'asc' ? 'ASC' : 'DESC';
  if (isPendingByNextRun(query)) {
    const values: unknown[] = [query.offset + query.limit, query.limit, query.offset];
    // Every name: one index across names (list-pending-any.sql); one name: that name's part of the claim index.
    if (query.name === undefined) {
      const text = substitute(template('list-pending-any.sql'), quotedSchema).replaceAll('{{dir}}', dir);
      return { name: nameOf('list-pending-any', text), text, values };
    }
    const text = substitute(template('list-pending.sql'), quotedSchema)
      .replaceAll('{{names}}', '  SELECT $4::text')
      .replaceAll('{{dir}}', dir);
    values.push(query.name);
    return { name: nameOf('list-pending', text), text, values };
  }
  if (isNameByCreation(query)) {
    const asked = query.status && query.status.length > 0 ? query.status : JOB_STATUSES;
    const statuses = JOB_STATUSES.filter((s) => asked.includes(s));
    const arms = statuses
      .map((s) => `  (SELECT * FROM {{schema}}.jobs WHERE status = '${s}' AND name >= $1::text AND name <= $1::text ORDER BY name ${dir}, id ${dir} LIMIT $2)`)
      .join('\n  UNION ALL\n');
    const text = substitute(template('list-name.sql').replace('{{arms}}', arms), quotedSchema).replaceAll('{{dir}}', dir);
    return { name: nameOf('list-name', text), text, values: [query.name, query.offset + query.limit, query.limit, query.offset] };
  }
  if (isStatusByCreation(query)) {
    const statuses = JOB_STATUSES.filter((s) => query.status!.includes(s));
    // Running jobs have no index in id order (a claim would pay for one): they are read whole from jobs_running
    // (a worker's slots) and sorted, `id + 0` so no index's order can stand for the sort. Ordered by `id`, a
    // table never analyzed walked the primary key for the page (every job read when none was running).
    const key = (s: string) => (s === 'running' ? 'id + 0' : 'id');
    const arms = statuses.map((s) => `  (SELECT * FROM {{schema}}.jobs WHERE status = '${s}' ORDER BY ${key(s)} ${dir} LIMIT $1)`).join('\n  UNION ALL\n');
    const text = substitute(template('list-status.sql').replace('{{arms}}', arms), quotedSchema).replaceAll('{{dir}}', dir);
    return { name: nameOf('list-status', text), text, values: [query.offset + query.limit, query.limit, query.offset] };
  }
  // Only last_run_at can be NULL; rules/query.ts puts nulls last in either direction.
  const by = order.by === 'createdAt' ? `id ${dir}` : `${COLUMN[order.by]} ${dir}${order.by === 'lastRunAt' ? ' NULLS LAST' : ''}, id ${dir}`;
  // One status other than pending with another filter (a text) is also spelled as a fixed text (one of
  // JOB_STATUSES, never input), so the generic plan can use an index of that status instead of walking the
  // primary key past the pending backlog: jobs_<status>_id (migration 027) holds a finished status's jobs in id
  // order (migration 028: blocked ones too), jobs_running the few running ones. `$1` still carries it for the
  // statement's general filter. Pending jobs are the backlog itself: spelled out, the plan sorted all of them
  // (95-160 ms at 300,000) where the walk of the primary key from the newest finds them at once.
  const one = query.status?.length === 1 && query.status[0] !== 'pending' && (JOB_STATUSES as readonly string[]).includes(query.status[0]!) ? query.status[0]! : null;
  const text = substitute(template('list.sql'), quotedSchema)
    .replaceAll('{{status}}', one !== null ? `AND status = '${one}'` : '')
    .replaceAll('{{repeating}}', query.repeating ? 'AND repeat IS NOT NULL' : '')
    // A group's own index (migration 020) serves it, so the group is a fixed text, not a "$6 IS NULL OR" that
    // a generic plan could not use an index for.
    .replaceAll('{{group}}', query.group !== undefined ? 'AND grp = $6::text' : '')
    .replaceAll('{{order}}', by);
  const statuses = query.status && query.status.length > 0 ? query.status : null;
  const values = [statuses, query.name ?? null, query.limit, query.offset, query.text === undefined ? null : lowerAscii(query.text)];
  if (query.group !== undefined) values.push(query.group);
  return { name: nameOf('list', text), text, values };
}
