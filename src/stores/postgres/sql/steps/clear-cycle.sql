-- trigger() of a finished job starts a new cycle: its durable entries go, in trigger's transaction. $1 id.
DELETE FROM {{schema}}.steps WHERE job_id = $1
