-- hourglass on PostgreSQL, version 25: pending jobs across names in claim order, grouped ones apart, for a worker
-- with a fallback handler (the `handler` option: it runs any name) and for the list of pending jobs by due time
-- (the console's oldest waiting job). The claim walked every name with pending jobs, a few seeks each:
-- 338 ms a claim beside 20,000 names with jobs due later, 669 ms beside 20,000 names with jobs due now, growing
-- with the number of names; the list likewise (2.5 s a page beside 200,000 names). claim.sql reads the ungrouped
-- half of this index one priority at a time, as SQLite does; list-pending-any.sql both halves.
-- Keyed on -priority, not priority DESC: an index on (priority DESC, next_run_at, id) could answer the claim's
-- per-name seeks too (priority equal, due range, name as a filter), and with some statistics the planner chose
-- it and stepped over every other name's jobs (migration 013 dropped such an index for that); the named seeks
-- never mention -priority, so they cannot use this one. A pending job has one index tuple more (insert, retry);
-- a claim or settle none. Building it reads the pending jobs under a lock that blocks writes:
-- on millions of pending jobs, run `hourglass migrate` at a quiet moment.
CREATE INDEX IF NOT EXISTS jobs_pending_any ON {{schema}}.jobs ((-priority), (grp IS NULL), next_run_at, id)
  WHERE status = 'pending';
