-- Pending, blocked or running → cancelled (its dependents follow in the store's transaction: store.ts); a running job keeps its lock so its worker still settles it (as
-- cancelled). A finished job is left as it was. Returns the job and its status before the call.
-- $1 id, $2 now.
WITH before AS MATERIALIZED (
  SELECT id, status FROM {{schema}}.jobs WHERE id = $1 FOR UPDATE
),
changed AS (
  -- A newcomer cancelled while it waited behind a running job of its key (replace: its key in dedupe_waiting) has
  -- its key moved to dedupe_key, as the claim that would have started it does: a finished job holds its key by
  -- its dedupeFor period there (insert.sql's and trigger.sql's seeks of jobs_dedupe_until), and the key's next
  -- newcomer may wait (jobs_dedupe_waiting). Only pending jobs ever wait; jobs_dedupe holds live jobs only.
  UPDATE {{schema}}.jobs j SET status = 'cancelled', updated_at = $2,
    dedupe_key = coalesce(j.dedupe_key, j.dedupe_waiting), dedupe_waiting = NULL
  FROM before b
  WHERE j.id = b.id AND b.status IN ('pending', 'running', 'blocked')
  RETURNING j.*
)
SELECT b.status AS previous, c.* FROM before b JOIN changed c ON c.id = b.id
UNION ALL
SELECT b.status AS previous, j.* FROM before b JOIN {{schema}}.jobs j ON j.id = b.id
WHERE NOT EXISTS (SELECT 1 FROM changed);
