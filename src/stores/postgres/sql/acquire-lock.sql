-- Take a named lock if it is free, expired, or already ours (then extend it). A row comes back iff we hold it.
-- $1 name, $2 owner, $3 expires_at, $4 now.
INSERT INTO {{schema}}.locks AS l (name, owner, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE l.owner = excluded.owner OR l.expires_at <= $4
RETURNING owner;
