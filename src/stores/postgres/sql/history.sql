-- Run history of one job, oldest first.
SELECT id, job_id, status, attempt, started_at, completed_at, error, stack, result, worker_id
FROM {{schema}}.history WHERE job_id = $1 ORDER BY id;
