-- History records of a batch of runs, in the batch's order. @batch: a JSON array of [job_id, status, attempt,
-- started_at, completed_at, error, stack, result, worker_id] (settle.ts). jsonb_each for the reason settle.sql
-- gives: each entry's fields are read in place rather than from its text rendered again per `->>`.
INSERT INTO hourglass_history (job_id, status, attempt, started_at, completed_at, duration, error, stack, result, worker_id)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, (value ->> 4) - (value ->> 3),
       value ->> 5, value ->> 6, value ->> 7, value ->> 8
FROM jsonb_each(@batch);  -- jsonb_each walks the array in order, so ids follow the batch
