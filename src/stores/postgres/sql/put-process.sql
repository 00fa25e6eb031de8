-- Write one scheduler process's record (insert or replace by id) and forget every record last seen before
-- $4, this one too when its own lastSeenAt is older (as MemoryStore does: write, then forget). The delete and
-- the upsert never touch the same row, so one statement does both.
-- $1 id, $2 last seen (epoch ms), $3 the record as JSON text, $4 forget records last seen before this.
WITH forgotten AS (
  DELETE FROM {{schema}}.processes
  WHERE (last_seen_at < $4::float8 AND id <> $1::text) OR (id = $1::text AND $2::float8 < $4::float8)
)
INSERT INTO {{schema}}.processes (id, last_seen_at, record)
SELECT $1::text, $2::float8, $3::json
WHERE $2::float8 >= $4::float8
ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at, record = excluded.record;
