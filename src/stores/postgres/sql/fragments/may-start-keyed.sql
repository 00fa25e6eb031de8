-- Whether the pending job `j` is NOT queued behind another job of its dedupe key (src/core/rules/dedupe.ts
-- waitsForKey): a newcomer (replace: its key in dedupe_waiting) waits while a job of its key is live in
-- jobs_dedupe; any keyed job waits while one of its key, cancelled while running, still holds its lease at {{now}}
-- (jobs_dedupe_held). One seek each, only for jobs with a key. Scalar subqueries with LIMIT 1, not NOT EXISTS:
-- the generic plan turned NOT EXISTS into a hashed subplan, a sequential scan of every live job per claim
-- (EXPLAIN test). Included by claim.sql's ungrouped walk and by group_due(), before the rotation:
-- `{{fragment may-start-keyed now=$N}}`.
((j.dedupe_waiting IS NULL OR (
    SELECT 1 FROM {{schema}}.jobs o
    WHERE o.dedupe_key = j.dedupe_waiting AND o.status IN ('pending', 'running') LIMIT 1) IS NULL)
 AND (coalesce(j.dedupe_key, j.dedupe_waiting) IS NULL OR (
    SELECT 1 FROM {{schema}}.jobs o
    WHERE o.dedupe_key = coalesce(j.dedupe_key, j.dedupe_waiting) AND o.status = 'cancelled'
      AND o.lock_token IS NOT NULL AND o.locked_until >= {{now}} LIMIT 1) IS NULL))
