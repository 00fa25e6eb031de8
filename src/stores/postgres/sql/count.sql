-- Jobs by status, optionally of one name ($1, NULL: all). Served by jobs_status_name.
SELECT status, count(*)::integer AS n FROM {{schema}}.jobs
WHERE ($1::text IS NULL OR name = $1::text)
GROUP BY status;
