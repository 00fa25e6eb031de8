-- Record the lost run of every job whose lock expired (its worker died or stalled), before it is released.
INSERT INTO hourglass_history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
SELECT id, 'failed', attempts, COALESCE(last_run_at, @now), @now, @now - COALESCE(last_run_at, @now),
       'lock expired: worker ' || COALESCE(locked_by, '?') || ' stopped renewing it', NULL, COALESCE(locked_by, '?')
FROM hourglass_jobs INDEXED BY hourglass_jobs_running
WHERE status = 'running' AND locked_until < @now;
