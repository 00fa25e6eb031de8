-- Resume a name. Its due jobs become claimable at once, so the other processes are woken (only when it was
-- paused). $1 name, $2 NOTIFY channel.
WITH gone AS (DELETE FROM {{schema}}.paused WHERE name = $1 RETURNING name)
SELECT pg_notify($2, 'resume') FROM gone
