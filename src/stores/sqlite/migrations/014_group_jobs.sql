-- A group's jobs by id, whatever their status (JobQuery.group: listJobs({ group }), the dashboard's jobs of one
-- tenant). The claim's index of a group (hourglass_jobs_claim_group) holds only its pending jobs and starts with
-- the name, so it cannot list a group's finished jobs, nor a group across names. Partial: jobs without a group
-- have no entry. A job's group and id never change, so claims and settles never write it; only an insert or a
-- delete of a grouped job does. Building it reads the table once (SQLite holds the write lock meanwhile): on
-- millions of kept jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS hourglass_jobs_group ON hourglass_jobs (job_group, id) WHERE job_group IS NOT NULL;
