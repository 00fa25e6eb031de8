-- Jobs by status, of every name and every status (countJobs() with no name: the console's overview, /metrics):
-- one pass over the table or jobs_status_name, whichever the planner finds cheaper. count.sql's subquery per
-- status planned each for an unknown status (an even share of the table) and, while the table's visibility map
-- was not yet set (a busy queue's usual state), chose a sequential scan for each: six passes, 410-500 ms at
-- 1,000,000 jobs against 70-80 ms for one. count.sql still answers a subset of statuses or one name, where
-- reading only those entries is the cheaper way.
SELECT status, count(*)::integer AS n FROM {{schema}}.jobs GROUP BY status;
