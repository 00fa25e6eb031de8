-- hourglass on PostgreSQL, version 20: a group's jobs by id, whatever their status (JobQuery.group:
-- listJobs({ group }), the dashboard's jobs of one tenant). jobs_claim_group holds a group's pending jobs only and
-- starts with the name, so it cannot list its finished jobs, nor a group across names. Partial: jobs without a
-- group have no entry. A job's grp and id never change, so claims and settles stay HOT updates; only an insert or a
-- delete of a grouped job writes it. Building it reads the whole table under a lock that blocks writes: on
-- millions of kept jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS jobs_group ON {{schema}}.jobs (grp, id) WHERE grp IS NOT NULL;
