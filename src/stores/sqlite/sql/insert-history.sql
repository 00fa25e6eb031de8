INSERT INTO hourglass_history (job_id, status, attempt, started_at, completed_at, duration, error, stack, result, worker_id)
VALUES (@job_id, @status, @attempt, @started_at, @completed_at, @completed_at - @started_at, @error, @stack, @result, @worker_id);
