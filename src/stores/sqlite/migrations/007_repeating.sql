-- Repeating jobs (JobQuery.repeating: the schedules view) by id. Partial: only jobs with a repeat have an
-- entry, a few among millions of one-off jobs, and claims and settles never change `repeat`, so the hot path
-- does not write it.
CREATE INDEX hourglass_jobs_repeating ON hourglass_jobs (id) WHERE repeat IS NOT NULL;
