-- A run of new jobs without dedupe or repeat keys, in one statement (insert.ts): such a job meets no other job, so
-- the rules of insert.ts reduce to "every job is a new row", written here without a statement per job. The row
-- is insert.sql's. @batch: a JSON array of [name, data, priority, max_attempts, backoff, timeout_ms, repeat,
-- label, trace, job_group, due_at, next_run_at] (insert.ts plainArgs; data, backoff and repeat as their JSON
-- texts). jsonb_each walks the array in order, so ids follow the batch (insert.ts maps them back in order).
-- Only the ids come back: the rest of each row is what the batch wrote (insert.ts plainRecord).
INSERT INTO hourglass_jobs (name, data, status, priority, attempts, max_attempts, backoff, timeout_ms, repeat,
                            label, trace, job_group, due_at, next_run_at, created_at, updated_at)
SELECT value ->> 0, value ->> 1, 'pending', value ->> 2, 0, value ->> 3, value ->> 4, value ->> 5, value ->> 6,
       value ->> 7, value ->> 8, value ->> 9, value ->> 10, value ->> 11, @now, @now
FROM jsonb_each(@batch)
RETURNING id;
