-- The jobs waiting for an event, locked in id order (as settle locks them, so the two cannot deadlock), with the
-- entry each waits on, read after the lock (rules/steps.ts waitVerdict judges them). A job gone has no row.
-- $1 job ids, $2 their entry keys (same order).
SELECT j.id::text AS job_id, w.key, j.status, s.entry
FROM unnest($1::bigint[], $2::text[]) AS w(job_id, key)
JOIN {{schema}}.jobs j ON j.id = w.job_id
LEFT JOIN {{schema}}.steps s ON s.job_id = w.job_id AND s.key = w.key
ORDER BY j.id
FOR UPDATE OF j;
