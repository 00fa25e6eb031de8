-- Take the lock if it is free, expired, or already ours (then extend it).
INSERT INTO hourglass_locks (name, owner, expires_at) VALUES (@name, @owner, @expires_at)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE hourglass_locks.owner = excluded.owner OR hourglass_locks.expires_at <= @now
RETURNING owner;
