-- Jobs for listings and the dashboard, newest first. $1 statuses (NULL: all), $2 name (NULL: all),
-- $3 limit, $4 offset.
SELECT * FROM {{schema}}.jobs
WHERE ($1::text[] IS NULL OR status = ANY($1::text[]))
  AND ($2::text IS NULL OR name = $2::text)
ORDER BY created_at DESC, id DESC
LIMIT $3 OFFSET $4;
