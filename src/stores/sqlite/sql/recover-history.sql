-- Record the lost run of every job whose lock expired (its worker died or stalled), before it is released.
-- The text is core's (rules/claim.ts lostRunMessage), passed in pieces: @lost_before || worker || @lost_after,
-- or @lost_unknown when no worker is recorded. Records go in in job insertion order (ORDER BY id), as core's model
-- writes them, not in the index's lock-expiry order: prune takes history oldest first by insertion. The sort
-- covers only the expired jobs, usually none.
INSERT INTO hourglass_history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
SELECT id, 'failed', attempts, COALESCE(last_run_at, @now), @now, @now - COALESCE(last_run_at, @now),
       CASE WHEN locked_by IS NULL THEN @lost_unknown ELSE @lost_before || locked_by || @lost_after END,
       NULL, COALESCE(locked_by, '?')
FROM hourglass_jobs INDEXED BY hourglass_jobs_running
WHERE status = 'running' AND locked_until < @now
ORDER BY id;
