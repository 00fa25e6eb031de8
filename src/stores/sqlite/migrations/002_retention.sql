-- Retention (Store.prune): finished jobs by status and the time they finished (updated_at: settle sets it to
-- the finish time, cancel to the cancel time), so a sweep reads only the jobs past their cutoff, oldest
-- first, however many are kept. Partial: pending and running jobs, the hot path's rows, never enter it.
CREATE INDEX hourglass_jobs_finished_at ON hourglass_jobs (status, updated_at)
  WHERE status IN ('completed', 'failed', 'cancelled');
