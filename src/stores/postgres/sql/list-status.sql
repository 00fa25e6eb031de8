-- Jobs of the statuses asked for, in insertion order, with no other filter (rules/query.ts compareJobs by
-- createdAt): the console's tabs and the REST API's `?status=`. list.ts writes the arms, one per status, each
-- status a fixed text (one of JOB_STATUSES, never input), and the direction. Each arm reads at most
-- $1 = offset + limit of its status from that status's own index, then they are merged: pending, blocked and
-- finished jobs from jobs_<status>_id (id) (migrations 027, 028), led by the id so the planner never prices the
-- primary key's walk below it, with statistics or without; running ones (a worker's slots) from jobs_running,
-- sorted. Through list.sql, whose status filter is a parameter,
-- a table never analyzed estimated one row and sorted every job of the status (300,000 pending: 146 ms a page);
-- with statistics it walked the primary key past the other statuses' jobs (pending and running beside 500,000
-- newer completed: 76 ms).
-- $1 offset + limit, $2 limit, $3 offset.
SELECT * FROM (
{{arms}}
) j
ORDER BY id {{dir}}
LIMIT $2 OFFSET $3;
