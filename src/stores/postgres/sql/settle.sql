-- Apply the outcomes of many runs in ONE statement. Each item is applied only if the job still carries the
-- run's lock token (a worker that lost its lease can never overwrite a job). A job cancelled while it ran
-- stays cancelled (its due times and attempts are left as they were) and its history row says 'cancelled'.
-- Returns the positions (`i`) in the input of the settlements that were applied.
--
-- $1: a JSON array of {i, id, lock_token, status, next_run_at, due_at, attempts, set_result, result, set_error,
--     last_error, finished_at, history}; NULL next_run_at / due_at / attempts keep the current value.
-- $2: the NOTIFY channel.
WITH input AS (
  SELECT *
  FROM jsonb_to_recordset($1::jsonb) AS s(
    i integer, id bigint, lock_token text, status text, next_run_at bigint, due_at bigint, attempts integer,
    set_result boolean, result jsonb, set_error boolean, last_error text, finished_at bigint, history jsonb)
),
applied AS (
  UPDATE {{schema}}.jobs j
  SET status      = CASE WHEN j.status = 'cancelled' THEN 'cancelled' ELSE s.status END,
      next_run_at = CASE WHEN j.status = 'cancelled' THEN j.next_run_at ELSE coalesce(s.next_run_at, j.next_run_at) END,
      due_at      = CASE WHEN j.status = 'cancelled' THEN j.due_at ELSE coalesce(s.due_at, j.due_at) END,
      attempts    = CASE WHEN j.status = 'cancelled' THEN j.attempts ELSE coalesce(s.attempts, j.attempts) END,
      result      = CASE WHEN s.set_result THEN s.result ELSE j.result END,
      last_error  = CASE WHEN s.set_error THEN s.last_error ELSE j.last_error END,
      last_finished_at = s.finished_at,
      lock_token = NULL, locked_by = NULL, locked_until = NULL,
      updated_at = s.finished_at
  FROM input s
  WHERE j.id = s.id AND j.lock_token = s.lock_token AND j.status IN ('running', 'cancelled')
    -- Redundant, but it makes the planner fetch the rows by primary key. Left to itself it walked
    -- jobs_status_name over every running and cancelled job (cancelled jobs are kept, so that grows), or, with
    -- few rows in jobs, hash-joined a sequential scan of the table.
    AND j.id = ANY(ARRAY(SELECT id FROM input))
  RETURNING s.i, j.id, j.status, j.next_run_at, s.finished_at, s.history
),
recorded AS (
  INSERT INTO {{schema}}.history (job_id, status, attempt, started_at, completed_at, duration, error, result, worker_id)
  SELECT a.id, CASE WHEN a.status = 'cancelled' THEN 'cancelled' ELSE h.status END, h.attempt, h.started_at,
         h.completed_at, h.completed_at - h.started_at, h.error, h.result, h.worker_id
  FROM applied a
  CROSS JOIN LATERAL jsonb_to_record(a.history) AS h(
    status text, attempt integer, started_at bigint, completed_at bigint, error text, result jsonb, worker_id text)
  WHERE jsonb_typeof(a.history) = 'object'
),
-- A retry due at once (or a release on shutdown) is work another process can take now: wake it.
wake AS (
  SELECT count(pg_notify($2, 'retry')) AS n
  FROM (SELECT 1 FROM applied WHERE status = 'pending' AND next_run_at <= finished_at LIMIT 1) r
)
SELECT a.i
FROM wake
LEFT JOIN applied a ON true;
