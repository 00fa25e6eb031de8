-- hourglass on PostgreSQL, version 28: blocked jobs (workflow steps waiting for their dependencies) in id order,
-- from an index of their own led by the id, as migration 027 gave pending and finished jobs. The console's
-- blocked tab (`listJobs({ status: ['blocked'] })` in insertion order, list-status.sql) read every blocked job
-- from jobs_status_name and sorted them for a page: ~100-200 ms at 200,000 blocked jobs (a fan-out whose
-- dependents wait), growing with them. A blocked job has one index entry more, written when a workflow node is
-- inserted or brought back to wait; releasing it writes none. Claims and settles of plain jobs write none.
CREATE INDEX IF NOT EXISTS jobs_blocked_id ON {{schema}}.jobs (id) WHERE status = 'blocked';
