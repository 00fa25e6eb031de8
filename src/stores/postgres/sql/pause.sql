-- Pause a name (claims step over its jobs: claim.sql's `paused`); pausing it again changes nothing.
-- $1 name, $2 now.
INSERT INTO {{schema}}.paused (name, paused_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING
