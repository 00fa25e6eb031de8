-- Jobs by status, each status counted through the index that holds it (see 001_init.sql).
-- @name NULL counts every name.
SELECT 'pending' AS status, count(*) AS n FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
  WHERE status = 'pending' AND (@name IS NULL OR name = @name)
UNION ALL
SELECT 'running', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_running
  WHERE status = 'running' AND (@name IS NULL OR name = @name)
UNION ALL
SELECT status, count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_name
  WHERE status IN ('completed', 'failed', 'cancelled') AND (@name IS NULL OR name = @name)
  GROUP BY status;
