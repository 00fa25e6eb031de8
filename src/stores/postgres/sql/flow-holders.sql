-- insertFlow: the live holders of the dedupe keys its nodes without dependencies carry (rules/insert.ts): per key
-- the newest live job, which with replace is a newcomer queued behind a running job (its key in dedupe_waiting,
-- migration 018) when there is one. Seeks on jobs_dedupe and jobs_dedupe_waiting.
-- $1 the keys.
SELECT DISTINCT ON (coalesce(j.dedupe_waiting, j.dedupe_key)) j.*
FROM {{schema}}.jobs j
WHERE (j.dedupe_key = ANY($1::text[]) AND j.status IN ('pending', 'running'))
   OR (j.dedupe_waiting = ANY($1::text[]) AND j.status = 'pending')
ORDER BY coalesce(j.dedupe_waiting, j.dedupe_key), j.id DESC;
