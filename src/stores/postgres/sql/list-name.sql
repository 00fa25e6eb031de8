-- A name's jobs in id order: listJobs({ name }) newest (or oldest) first, without text, repeating or group
-- (list.ts). For each status asked for, that status's range of the name in jobs_status_name (status, name, id,
-- migration 026), read in order and cut at $2 = offset + limit, then merged: a page costs the same beside a
-- million jobs of other names (list.sql walked the primary key past them). list.ts writes the arms, one per
-- status, each status a fixed text (one of JOB_STATUSES, never input) so the generic plan seeks it, and the
-- direction. Each arm asks for the name as a range of one value (`name >= $1 AND name <= $1`, the same rows as
-- `name = $1` under any deterministic collation) ordered by name, then id: an equality would make the name a
-- constant and `ORDER BY id` alone, which the primary key and jobs_pending_id (id) also give, and the planner
-- took those with the name as a filter wherever statistics made a walk look short (a name whose jobs are all
-- pending beside another's completed ones: 139 ms a page at 1,000,000 jobs, every row read). Only
-- jobs_status_name gives (name, id) order, so no walk is left to choose.
-- $1 name, $2 offset + limit, $3 limit, $4 offset.
SELECT * FROM (
{{arms}}
) j
ORDER BY id {{dir}}
LIMIT $3 OFFSET $4;
