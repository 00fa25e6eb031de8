-- suspend()'s first read: the job, locked, if this run still holds it (running, or cancelled meanwhile with its
-- run's lock kept). A row iff it does. $1 id, $2 lock token.
SELECT 1 FROM {{schema}}.jobs WHERE id = $1 AND lock_token = $2 AND status IN ('running', 'cancelled') FOR UPDATE
