-- hourglass on PostgreSQL, version 27: each status's jobs in id order, from an index of that status led by the
-- id (listJobs({ status }) in insertion order: the console's tabs and the REST API's `?status=`, read by
-- list-status.sql). Pending jobs had none: a page of them newest first walked the primary key past every
-- finished or running job newer than them (46 ms a page beside 100,000 newer completed jobs, growing with
-- them). Finished ones had jobs_finished_id (status, id) (migration 024), whose order the planner prices as
-- random (its leading column is the status), so with statistics it walked the primary key instead wherever that
-- status's share made the walk look short: a page of completed jobs newest first beside 500,000 newer pending
-- ones read all of those (38-62 ms). Led by the id, whose order is the table's, a status's own index never
-- looks dearer than the walk, which reads the same rows and others. The finished statuses' entries move from
-- jobs_finished_id to their own index: the same number per job; a pending job has one more (insert, retry,
-- revival); a claim none. Building them reads the table under a lock that blocks writes: on millions of jobs,
-- run `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS jobs_pending_id ON {{schema}}.jobs (id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS jobs_completed_id ON {{schema}}.jobs (id) WHERE status = 'completed';
CREATE INDEX IF NOT EXISTS jobs_failed_id ON {{schema}}.jobs (id) WHERE status = 'failed';
CREATE INDEX IF NOT EXISTS jobs_cancelled_id ON {{schema}}.jobs (id) WHERE status = 'cancelled';
DROP INDEX IF EXISTS {{schema}}.jobs_finished_id;
