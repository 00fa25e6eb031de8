-- How many jobs of each capped name take a slot now, across every process sharing the file (rules/claim.ts,
-- takesSlot): running ones, and ones cancelled while running whose lease has not ended.
SELECT name, count(*) AS running FROM (
  SELECT name FROM hourglass_jobs INDEXED BY hourglass_jobs_running
  WHERE status = 'running' AND name IN (SELECT value FROM json_each(@names))
  UNION ALL
  SELECT name FROM hourglass_jobs INDEXED BY hourglass_jobs_cancelled_held
  WHERE status = 'cancelled' AND lock_token IS NOT NULL AND locked_until >= @now
    AND name IN (SELECT value FROM json_each(@names))
)
GROUP BY name;
