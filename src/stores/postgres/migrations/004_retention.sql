-- hourglass on PostgreSQL, version 4: retention (Store.prune, the Scheduler's `retention` option).
-- Finished jobs by status and the time they finished (updated_at: settle sets it to the finish time, cancel
-- to the cancel time), so a sweep reads only the jobs past their cutoff, oldest first, however many are kept.
-- Partial: pending and running jobs, the rows claim and settle write, never enter it.
-- Building it takes a lock that blocks writes to jobs while it runs: on a table of millions of finished jobs,
-- run `hourglass migrate` at a quiet moment (docs/operations.md).
CREATE INDEX jobs_finished_at ON {{schema}}.jobs (status, updated_at)
  WHERE status IN ('completed', 'failed', 'cancelled');
