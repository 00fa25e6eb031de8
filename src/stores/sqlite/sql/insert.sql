INSERT INTO hourglass_jobs (name, data, status, priority, attempts, max_attempts, backoff, timeout_ms, repeat,
                            repeat_key, dedupe_key, dedupe_until, label, trace, job_group, due_at, next_run_at, created_at, updated_at)
VALUES (@name, @data, 'pending', @priority, 0, @max_attempts, @backoff, @timeout_ms, @repeat,
        @repeat_key, @dedupe_key, @dedupe_until, @label, @trace, @job_group, @due_at, @next_run_at, @now, @now)
RETURNING *;
