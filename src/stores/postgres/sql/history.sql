-- Run history of one job, oldest first: the newest $2 records (NULL: all) read backwards from the end of
-- history_job (job_id, id), then put back in order, so a page of a repeating job's long history reads that page
-- alone.
SELECT * FROM (
  SELECT id, job_id, status, attempt, started_at, completed_at, error, stack, result, worker_id
  FROM {{schema}}.history WHERE job_id = $1 ORDER BY id DESC LIMIT $2
) h ORDER BY id;
