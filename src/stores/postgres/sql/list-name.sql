-- A name's jobs in id order: listJobs({ name }) newest (or oldest) first, without text, repeating or group
-- (list.ts). For each status asked for, that status's range of the name in jobs_status_name (status, name, id,
-- migration 026), read in order and cut at $2 = offset + limit, then merged: a page costs the same beside a
-- million jobs of other names (list.sql walked the primary key past them). list.ts writes the arms, one per
-- status, each status a fixed text (one of JOB_STATUSES, never input) so the generic plan seeks it, and the
-- direction.
-- $1 name, $2 offset + limit, $3 limit, $4 offset.
SELECT * FROM (
{{arms}}
) j
ORDER BY id {{dir}}
LIMIT $3 OFFSET $4;
