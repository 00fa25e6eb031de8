-- Insert many jobs in ONE statement and return, for every input row (by its position `ord`), the job it
-- produced and whether it was created.
--   * Ids are drawn from the sequence up front, in input order, so each inserted row maps back to its input.
--   * Jobs without a repeat key: ON CONFLICT DO NOTHING against jobs_dedupe (one live job per dedupe key),
--     which is race-free under concurrent inserts: the index decides, not a prior SELECT. A skipped row
--     returns the live job holding its key, whether an earlier row of this batch or one already stored.
--     If that job was committed by another transaction after this statement's snapshot was taken, it is
--     not visible here: that row comes back missing and the store asks again in a new statement.
--   * Jobs with a repeat key upsert on jobs_repeat_key (every() from many processes keeps one job): the
--     definition is updated; due times are replaced only when the repeat changed or the job had finished,
--     and a finished job starts a fresh cycle. (xmax = 0) tells a fresh insert from an update.
-- $1 JSON array of new jobs (NewJob fields, snake_case), $2 now, $3 NOTIFY channel.
WITH input AS MATERIALIZED (
  SELECT x.ord, nextval('{{schema}}.jobs_id_seq') AS id, r.*
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(doc, ord)
  CROSS JOIN LATERAL jsonb_to_record(x.doc) AS r(
    name text, data jsonb, priority integer, max_attempts integer, backoff jsonb, timeout_ms bigint,
    repeat jsonb, repeat_key text, dedupe_key text, label text, due_at bigint, next_run_at bigint)
),
plain AS (
  INSERT INTO {{schema}}.jobs (id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, dedupe_key,
                               label, due_at, next_run_at, created_at, updated_at)
  SELECT id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, dedupe_key,
         label, due_at, next_run_at, $2, $2
  FROM input WHERE repeat_key IS NULL
  ORDER BY ord
  ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running') DO NOTHING
  RETURNING *
),
repeating AS (
  INSERT INTO {{schema}}.jobs AS j (id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, repeat_key,
                                    dedupe_key, label, due_at, next_run_at, created_at, updated_at)
  SELECT id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, repeat_key,
         dedupe_key, label, due_at, next_run_at, $2, $2
  FROM input WHERE repeat_key IS NOT NULL
  ORDER BY ord
  ON CONFLICT (repeat_key) WHERE repeat_key IS NOT NULL DO UPDATE
  SET name = excluded.name, data = excluded.data, priority = excluded.priority,
      max_attempts = excluded.max_attempts, backoff = excluded.backoff, timeout_ms = excluded.timeout_ms,
      dedupe_key = excluded.dedupe_key, label = excluded.label,
      next_run_at = CASE WHEN j.repeat IS DISTINCT FROM excluded.repeat OR j.status IN ('completed', 'failed', 'cancelled')
                         THEN excluded.next_run_at ELSE j.next_run_at END,
      due_at      = CASE WHEN j.repeat IS DISTINCT FROM excluded.repeat OR j.status IN ('completed', 'failed', 'cancelled')
                         THEN excluded.due_at ELSE j.due_at END,
      attempts    = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN 0 ELSE j.attempts END,
      -- A run cancelled mid-way may still hold a lock: a fresh cycle drops it.
      lock_token  = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE j.lock_token END,
      locked_by   = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE j.locked_by END,
      locked_until = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN NULL ELSE j.locked_until END,
      status      = CASE WHEN j.status IN ('completed', 'failed', 'cancelled') THEN 'pending' ELSE j.status END,
      repeat = excluded.repeat,
      updated_at = $2
  RETURNING j.*, (j.xmax = 0) AS created
),
existing AS (
  SELECT i.ord, e.*, false AS created
  FROM input i
  CROSS JOIN LATERAL (
    SELECT p.* FROM plain p WHERE p.dedupe_key = i.dedupe_key
    UNION ALL
    SELECT t.* FROM {{schema}}.jobs t WHERE t.dedupe_key = i.dedupe_key AND t.status IN ('pending', 'running')
    LIMIT 1
  ) e
  WHERE i.repeat_key IS NULL AND i.dedupe_key IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM plain p WHERE p.id = i.id)
),
-- Work due now wakes the other processes (one notification per statement; a hint, they poll anyway).
wake AS (
  SELECT count(pg_notify($3, 'insert')) AS n
  FROM (SELECT 1 FROM plain WHERE next_run_at <= $2
        UNION ALL
        SELECT 1 FROM repeating WHERE status = 'pending' AND next_run_at <= $2
        LIMIT 1) d
)
-- `wake` is on the preserved side so it always runs; a lone row of NULLs (nothing returned) is dropped.
SELECT r.*
FROM wake
LEFT JOIN (
  SELECT i.ord, p.*, true AS created FROM input i JOIN plain p ON p.id = i.id
  UNION ALL
  SELECT i.ord, r.* FROM input i JOIN repeating r ON r.repeat_key = i.repeat_key
  UNION ALL
  SELECT * FROM existing
) r ON true;
