-- Insert ONE job with `replace` (src/core/rules/dedupe.ts), in one statement; insert.ts sends each such job of a
-- batch on its own, in order. What happens depends on the key's holder (keyHolderOf):
--   * none: a new job that holds the key (dedupe_key; ON CONFLICT against jobs_dedupe, as insert.sql does);
--   * a pending one-off job: it takes the new data, due time and priority (same id, created false);
--   * a running one-off job: a new job queued behind it, its key in dedupe_waiting until a claim starts it
--     (claim.sql moves it to dedupe_key); jobs_dedupe_waiting keeps that to one per key;
--   * anything else (a repeating holder, a finished one within its dedupeFor period): that job, unchanged.
-- The holder is locked (FOR UPDATE) before it is acted on, and must still have the status this statement's
-- snapshot saw: a claim, settle or cancel that got there first, a holder committed after the snapshot, or a
-- racing insert caught by a unique index all make the statement return no row, and the store asks again (the
-- next statement sees what changed).
-- $1 one job (insert.sql's input fields, as a JSON object), $2 now, $3 NOTIFY channel.
WITH input AS MATERIALIZED (
  SELECT nextval('{{schema}}.jobs_id_seq') AS id, r.name, r.data::json AS data, r.priority, r.max_attempts, r.backoff,
         r.timeout_ms, r.repeat, r.dedupe_key, r.dedupe_until, r.label, r.trace, r.grp, r.due_at, r.next_run_at
  FROM jsonb_to_record($1::jsonb) AS r(
    name text, data text, priority integer, max_attempts integer, backoff jsonb, timeout_ms bigint, repeat jsonb,
    dedupe_key text, dedupe_until bigint, label text, trace text, grp text, due_at bigint, next_run_at bigint)
),
-- The newest live job of the key (a waiting newcomer, else the one in jobs_dedupe), else the one whose
-- dedupeFor period ends last.
holder AS MATERIALIZED (
  SELECT h.id, h.status, h.repeat_key
  FROM input i CROSS JOIN LATERAL (
    SELECT h.* FROM (
      (SELECT t.id, t.status, t.repeat_key, 1 AS rank FROM {{schema}}.jobs t
       WHERE t.dedupe_waiting = i.dedupe_key AND t.status = 'pending' LIMIT 1)
      UNION ALL
      (SELECT t.id, t.status, t.repeat_key, 2 FROM {{schema}}.jobs t
       WHERE t.dedupe_key = i.dedupe_key AND t.status IN ('pending', 'running') LIMIT 1)
      UNION ALL
      (SELECT t.id, t.status, t.repeat_key, 3 FROM {{schema}}.jobs t
       WHERE t.dedupe_key = i.dedupe_key AND t.dedupe_until > $2 ORDER BY t.dedupe_until DESC, t.id DESC LIMIT 1)
    ) h
    ORDER BY h.rank
    LIMIT 1
  ) h
),
-- The holder as it is now (FOR UPDATE waits for a transaction writing it, then reads its latest version), kept
-- only if its status is still the one above.
steady AS MATERIALIZED (
  SELECT h.id, h.status, h.repeat_key
  FROM holder h JOIN (SELECT j.id, j.status FROM {{schema}}.jobs j WHERE j.id IN (SELECT id FROM holder) FOR UPDATE) l
    ON l.id = h.id AND l.status = h.status
),
replaced AS (
  UPDATE {{schema}}.jobs j
  SET data = i.data, priority = i.priority, next_run_at = i.next_run_at, due_at = i.due_at, updated_at = $2
  FROM input i, steady s
  WHERE j.id = s.id AND s.status = 'pending' AND s.repeat_key IS NULL
  RETURNING j.*
),
added AS (
  INSERT INTO {{schema}}.jobs (id, name, data, priority, max_attempts, backoff, timeout_ms, repeat, dedupe_key,
                               dedupe_waiting, dedupe_until, label, trace, grp, due_at, next_run_at, created_at, updated_at)
  SELECT i.id, i.name, i.data, i.priority, i.max_attempts, i.backoff, i.timeout_ms, i.repeat,
         CASE WHEN s.id IS NULL THEN i.dedupe_key END, CASE WHEN s.id IS NOT NULL THEN i.dedupe_key END,
         i.dedupe_until, i.label, i.trace, i.grp, i.due_at, i.next_run_at, $2, $2
  FROM input i LEFT JOIN steady s ON true
  WHERE NOT EXISTS (SELECT 1 FROM holder) OR (s.status = 'running' AND s.repeat_key IS NULL)
  ON CONFLICT DO NOTHING
  RETURNING *
),
wake AS (
  SELECT count(pg_notify($3, 'insert')) AS n
  FROM (SELECT 1 FROM added WHERE next_run_at <= $2 UNION ALL SELECT 1 FROM replaced WHERE next_run_at <= $2 LIMIT 1) d
)
SELECT r.*
FROM wake
LEFT JOIN (
  SELECT a.*, true AS created FROM added a
  UNION ALL
  SELECT p.*, false FROM replaced p
  UNION ALL
  SELECT j.*, false FROM steady s JOIN {{schema}}.jobs j ON j.id = s.id
  WHERE s.repeat_key IS NOT NULL OR s.status NOT IN ('pending', 'running')
) r ON true;
