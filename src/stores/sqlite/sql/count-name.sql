-- One name's jobs by status (count.sql counts every name's): each status a range of an index led by the name,
-- so a rare name's count never steps over the other names' jobs. Spelled `name = @name`, not `(@name IS NULL OR
-- name = @name)`: that form kept the planner from seeking the name and scanned each index whole (a name with
-- 100,000 of a million jobs: 80-116 ms for its finished jobs alone). The parts to count as count.sql's.
SELECT 'pending' AS status, count(*) AS n FROM hourglass_jobs INDEXED BY hourglass_jobs_claim_name
  WHERE @pending = 1 AND status = 'pending' AND name = @name
UNION ALL
-- Running jobs are a worker's slots, few whatever the backlog: their rows are read for the name.
SELECT 'running', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_running
  WHERE @running = 1 AND status = 'running' AND name = @name
UNION ALL
SELECT 'completed', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_name
  WHERE @completed = 1 AND name = @name AND status = 'completed'
UNION ALL
SELECT 'failed', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_name
  WHERE @failed = 1 AND name = @name AND status = 'failed'
UNION ALL
SELECT 'cancelled', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished_name
  WHERE @cancelled = 1 AND name = @name AND status = 'cancelled'
UNION ALL
SELECT 'blocked', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_blocked
  WHERE @blocked = 1 AND status = 'blocked' AND name = @name;
