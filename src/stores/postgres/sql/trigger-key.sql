-- trigger()'s first read, without a lock: the dedupe key the job would hold again (a newcomer queued behind a
-- running job holds it in dedupe_waiting), and its status. A finished job's key has its turn taken
-- (dedupe-lock.sql) before the job's row is locked, in the order inserts take them. $1 id.
SELECT coalesce(dedupe_key, dedupe_waiting) AS key, status FROM {{schema}}.jobs WHERE id = $1
