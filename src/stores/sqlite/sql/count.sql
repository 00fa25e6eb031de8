-- Jobs by status, every name (count-name.sql counts one name's): each status counted as a range of the index
-- that holds it, so the count steps that status's entries and no others. @pending, @running, @completed, @failed,
-- @cancelled, @blocked (1 or 0) say which to count: a part switched off is skipped without reading its index
-- (health() counts only pending jobs, never the finished ones a store keeps). Each finished status is a range of
-- hourglass_jobs_finished (status, id) of its own, so nothing is grouped: a GROUP BY over the three, read from
-- (name, status), built a temporary b-tree of every entry (125-155 ms at 500,000 completed jobs, now ~27).
-- Still one step per entry counted: the store reads this on its reader thread (reader.ts).
SELECT 'pending' AS status, count(*) AS n FROM hourglass_jobs INDEXED BY hourglass_jobs_claim
  WHERE @pending = 1 AND status = 'pending'
UNION ALL
SELECT 'running', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_running
  WHERE @running = 1 AND status = 'running'
UNION ALL
-- SQLite uses a partial index only when the WHERE implies its predicate, proven on the text: an equality on a
-- finished status implies hourglass_jobs_finished's OR of the three (migration 018).
SELECT 'completed', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished
  WHERE @completed = 1 AND status = 'completed'
UNION ALL
SELECT 'failed', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished
  WHERE @failed = 1 AND status = 'failed'
UNION ALL
SELECT 'cancelled', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_finished
  WHERE @cancelled = 1 AND status = 'cancelled'
UNION ALL
SELECT 'blocked', count(*) FROM hourglass_jobs INDEXED BY hourglass_jobs_blocked
  WHERE @blocked = 1 AND status = 'blocked';
