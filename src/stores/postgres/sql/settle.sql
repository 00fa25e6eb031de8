-- Apply the outcomes of many runs in ONE statement. Each item is applied only if the job still carries the
-- run's lock token (a worker that lost its lease can never overwrite a job). A job cancelled while it ran
-- stays cancelled (its other fields still take the outcome, as src/core/rules/lifecycle.ts settledRecord says)
-- and its history row says 'cancelled'.
-- Returns the positions (`i`) in the input of the settlements that were applied, and of those that this same
-- run's token had already settled (a settle resent after its answer was lost: it answers applied and writes
-- nothing; src/core/rules/lifecycle.ts settleAnswer). Every CTE reads the snapshot from before this statement,
-- so `resent` sees settled_token as earlier statements left it.
-- Also the first half of settle_and_claim() (functions/settle_and_claim.sql includes this file, $1 and $2
-- renumbered): a change here reinstalls that function at the next migrate().
--
-- $1: a JSON array of {i, id, lock_token, status, next_run_at, due_at, attempts, set_result, result, set_error,
--     last_error, set_stack, last_error_stack, max_attempts, finished_at, history, texts}; NULL next_run_at /
--     due_at / attempts / max_attempts keep the current value. With `texts` true, each result (history's too)
--     is its JSON text in a string (see jsonParam() in rows.ts), stored as that text: it keeps its key order,
--     which a trip through jsonb as a value would lose, and may hold any JSON, \u0000 included. Without it (a
--     process of a version before 6 calling settle_and_claim() during an upgrade) a result is the value itself.
--     The payload is read as jsonb: parsed once, and the history objects are then read from the parsed form
--     (measured: reading it as json, which parses each history object again, made a settle of 100 about
--     10-20% slower).
-- $2: the NOTIFY channel.
WITH input AS (
  SELECT *
  FROM jsonb_to_recordset($1::jsonb) AS s(
    i integer, id bigint, lock_token text, status text, next_run_at bigint, due_at bigint, attempts integer,
    set_result boolean, result jsonb, set_error boolean, last_error text, set_stack boolean, last_error_stack text,
    max_attempts integer, finished_at bigint, history jsonb, texts boolean)
),
-- One settlement per run: a batch that carries the same run twice applies its first (as the rules apply a
-- batch in order) and answers the copy as resent. UPDATE … FROM would otherwise take either, unpredictably.
firsts AS (
  SELECT DISTINCT ON (id, lock_token) * FROM input ORDER BY id, lock_token, i
),
applied AS (
  UPDATE {{schema}}.jobs j
  SET status      = CASE WHEN j.status = 'cancelled' THEN 'cancelled' ELSE s.status END,
      next_run_at = coalesce(s.next_run_at, j.next_run_at),
      due_at      = coalesce(s.due_at, j.due_at),
      attempts    = coalesce(s.attempts, j.attempts),
      result      = CASE WHEN NOT s.set_result THEN j.result
                         WHEN s.texts THEN (s.result #>> '{}')::json ELSE s.result::json END,
      last_error  = CASE WHEN s.set_error THEN s.last_error ELSE j.last_error END,
      last_error_stack = CASE WHEN s.set_stack THEN s.last_error_stack ELSE j.last_error_stack END,
      -- What ran is what every reader sees: the maxAttempts this run used, when the core sends it.
      max_attempts = coalesce(s.max_attempts, j.max_attempts),
      last_finished_at = s.finished_at,
      lock_token = NULL, locked_by = NULL, locked_until = NULL, settled_token = s.lock_token,
      updated_at = s.finished_at
  FROM firsts s
  WHERE j.id = s.id AND j.lock_token = s.lock_token
    -- Both of these make the planner fetch the rows by primary key. The status test is written so no index can
    -- answer it (as in heartbeat.sql): a plain `status IN (…)` let the generic plan walk jobs_status_name over
    -- every running and cancelled job (cancelled jobs are kept, so that grows; with statistics taken while few
    -- jobs ran, 55 ms for a settle of 500 among 26,000 running). The id test is redundant with the join: without
    -- it, with few rows in jobs, the plan hash-joined a sequential scan of the table.
    AND (j.status IN ('running', 'cancelled')) IS TRUE
    AND j.id = ANY(ARRAY(SELECT id FROM input))
  RETURNING s.i, s.lock_token, j.id, j.status, j.next_run_at, s.finished_at, s.history, s.texts,
            -- A workflow node's failure text for its dependents (rules/flow.ts dependencyError); NULL: no flow.
            CASE WHEN j.flow IS NOT NULL THEN 'dependency "' || coalesce(j.flow ->> 'key', j.name) || '" failed' END AS flow_message
),
recorded AS (
  INSERT INTO {{schema}}.history (job_id, status, attempt, started_at, completed_at, duration, error, stack, result, worker_id)
  SELECT a.id, CASE WHEN a.status = 'cancelled' THEN 'cancelled' ELSE h.status END, h.attempt, h.started_at,
         h.completed_at, h.completed_at - h.started_at, h.error, h.stack,
         CASE WHEN a.texts THEN (h.result #>> '{}')::json ELSE h.result::json END, h.worker_id
  FROM applied a
  CROSS JOIN LATERAL jsonb_to_record(a.history) AS h(
    status text, attempt integer, started_at bigint, completed_at bigint, error text, stack text, result jsonb, worker_id text)
  WHERE jsonb_typeof(a.history) = 'object'
  -- In the batch's order, as the rules write them: history ids are insertion order, which prune goes by.
  ORDER BY a.i
),
-- As the rules take a batch in order: an item answers resent from the settled_token as it was before the
-- batch only if it comes before the item of its job that applies here (after that one, the job's settled token
-- is the applied one's, which `answered` below covers).
resent AS (
  SELECT s.i
  FROM input s
  JOIN {{schema}}.jobs j ON j.id = s.id
  LEFT JOIN applied a ON a.id = s.id
  WHERE j.settled_token = s.lock_token AND (a.i IS NULL OR s.i < a.i)
    AND j.id = ANY(ARRAY(SELECT id FROM input))
),
-- A workflow node's dependents follow in this same statement: released when it completed, cancelled (or, for
-- onDependencyFailure 'run', released) when it failed for good (functions/flow.sql). One call per batch, a
-- no-op without workflow nodes; a job cancelled while it ran already took its dependents along at cancel().
flow AS (
  SELECT {{schema}}.flow_settled(array_agg(a.id ORDER BY a.i), array_agg(a.status ORDER BY a.i),
                                 array_agg(a.flow_message ORDER BY a.i), array_agg(a.finished_at ORDER BY a.i), $2) AS n
  FROM applied a WHERE a.flow_message IS NOT NULL
),
-- A retry due at once (or a release on shutdown) is work another process can take now: wake it.
wake AS (
  SELECT count(pg_notify($2, 'retry')) AS n
  FROM (SELECT 1 FROM applied WHERE status = 'pending' AND next_run_at <= finished_at LIMIT 1) r
)
SELECT a.i
FROM wake
CROSS JOIN flow
LEFT JOIN (
  SELECT s.i FROM input s JOIN applied a ON a.id = s.id AND a.lock_token = s.lock_token
  UNION ALL
  SELECT i FROM resent
) a ON true;
