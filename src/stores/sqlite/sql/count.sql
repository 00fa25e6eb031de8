-- Jobs by status, each status counted through the index that holds it (see 001_init.sql).
-- @name NULL counts every name. @pending, @running, @finished (1 or 0) say which parts to count: a part
-- switched off is skipped without reading its index (health() counts only pending jobs, never the finished
-- ones a store keeps).
SELECT 'pending' AS status, count(*) AS n FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
  WHERE @pending = 1 AND status = 'pending' AND (@name IS NULL OR name = @name)
UNION ALL
SELECT 'running', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_running
  WHERE @running = 1 AND status = 'running' AND (@name IS NULL OR name = @name)
UNION ALL
SELECT status, count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_name
  WHERE @finished = 1 AND status IN ('completed', 'failed', 'cancelled') AND (@name IS NULL OR name = @name)
  GROUP BY status
UNION ALL
SELECT 'blocked', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_blocked
  WHERE @blocked = 1 AND status = 'blocked' AND (@name IS NULL OR name = @name);
