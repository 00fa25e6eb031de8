-- Run now, whatever the schedule. Pending: due now. Finished (completed, failed, cancelled): a fresh cycle,
-- attempts 0, and any lock left by a run cancelled mid-way is dropped, so that run can no longer settle it.
-- Running: left as it is. Moves next_run_at only, never due_at (repeats continue from their due time).
-- A finished job whose dedupe key another job takes (pending or running, or within its dedupeFor period:
-- src/core/rules/dedupe.ts) is left as it is, and the row comes back with that job's id as `holder_id` (the
-- store throws DedupeConflictError): never two holders. Within its own period the job is the holder: it runs.
-- A holder committed after this statement began is not seen here; the revival then fails on jobs_dedupe and
-- the store asks again.
-- $1 id, $2 now, $3 NOTIFY channel.
WITH target AS MATERIALIZED (
  SELECT id, status, coalesce(dedupe_key, dedupe_waiting) AS dedupe_key FROM {{schema}}.jobs WHERE id = $1 FOR UPDATE
),
-- The key's holder (src/core/rules/dedupe.ts keyHolderOf): the newest live job (a newcomer waiting behind a
-- running one, else the live job in jobs_dedupe), else the job whose dedupeFor period ends last. A finished
-- target that is not that holder stays as it is.
holder AS MATERIALIZED (
  SELECT k.id
  FROM target t CROSS JOIN LATERAL (
    SELECT h.id FROM (
      (SELECT h.id, 1 AS rank FROM {{schema}}.jobs h WHERE h.dedupe_waiting = t.dedupe_key AND h.status = 'pending' LIMIT 1)
      UNION ALL
      (SELECT h.id, 2 FROM {{schema}}.jobs h WHERE h.dedupe_key = t.dedupe_key AND h.status IN ('pending', 'running') LIMIT 1)
      UNION ALL
      (SELECT h.id, 3 FROM {{schema}}.jobs h WHERE h.dedupe_key = t.dedupe_key AND h.dedupe_until > $2
       ORDER BY h.dedupe_until DESC, h.id DESC LIMIT 1)
    ) h
    ORDER BY h.rank
    LIMIT 1
  ) k
  WHERE t.status IN ('completed', 'failed', 'cancelled') AND k.id <> t.id
),
changed AS (
  UPDATE {{schema}}.jobs
  SET next_run_at = $2,
      attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END,
      lock_token = CASE WHEN status = 'pending' THEN lock_token END,
      locked_by = CASE WHEN status = 'pending' THEN locked_by END,
      locked_until = CASE WHEN status = 'pending' THEN locked_until END,
      -- A workflow node that still waits for dependencies waits again (rules/flow.ts).
      status = CASE WHEN waiting_for > 0 THEN 'blocked' ELSE 'pending' END,
      -- ...its cascade's error cleared (core rules/lifecycle.ts triggeredRecord).
      last_error = CASE WHEN waiting_for > 0 THEN NULL ELSE last_error END,
      updated_at = $2
  WHERE id = $1 AND status NOT IN ('running', 'blocked') AND NOT EXISTS (SELECT 1 FROM holder)
  RETURNING *
),
wake AS (
  SELECT count(pg_notify($3, 'trigger')) AS n FROM (SELECT 1 FROM changed LIMIT 1) c
)
SELECT NULL::bigint AS holder_id, t.status AS previous, c.* FROM wake JOIN changed c ON true JOIN target t ON true
UNION ALL
SELECT (SELECT id FROM holder), NULL::text, j.* FROM {{schema}}.jobs j WHERE j.id = $1 AND NOT EXISTS (SELECT 1 FROM changed);
