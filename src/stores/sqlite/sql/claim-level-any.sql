-- As claim-level.sql across every name but @skip (a JSON array: the paused names, and the capped ones, which
-- are walked one by one within their allowance). Due jobs of a skipped name at this priority are stepped over
-- one by one: the cost grows with a paused name's due backlog, never with jobs not yet due. Ungrouped jobs only
-- (see claim-level.sql).
SELECT id, priority, next_run_at, name FROM hourglass_jobs INDEXED BY hourglass_jobs_claim
WHERE status = 'pending' AND priority = @priority AND (job_group IS NOT NULL) = 0 AND next_run_at <= @now
  AND name NOT IN (SELECT value FROM json_each(@skip))
  AND NOT {{fragment queued-behind-key}}
ORDER BY next_run_at, id
LIMIT @limit;
