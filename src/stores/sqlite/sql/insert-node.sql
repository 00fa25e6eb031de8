-- A workflow node (insertFlow, flow.ts): insert.sql's columns plus its status ('pending', or 'blocked' while it
-- waits), its flow (JSON text) and waiting_for.
INSERT INTO hourglass_jobs (name, data, status, priority, attempts, max_attempts, backoff, timeout_ms, repeat,
                            repeat_key, dedupe_key, label, trace, job_group, due_at, next_run_at, created_at, updated_at,
                            flow, waiting_for)
VALUES (@name, @data, @status, @priority, 0, @max_attempts, @backoff, @timeout_ms, @repeat,
        @repeat_key, @dedupe_key, @label, @trace, @job_group, @due_at, @next_run_at, @now, @now,
        @flow, @waiting_for)
RETURNING *;
