-- Store.putProcess, first half: insert this process's record, or replace every field of the one with its id.
INSERT INTO hourglass_processes (id, host, pid, started_at, last_seen_at, stopped_at, concurrency, running, names, activity)
VALUES (@id, @host, @pid, @started_at, @last_seen_at, @stopped_at, @concurrency, @running, @names, @activity)
ON CONFLICT (id) DO UPDATE SET
  host = excluded.host,
  pid = excluded.pid,
  started_at = excluded.started_at,
  last_seen_at = excluded.last_seen_at,
  stopped_at = excluded.stopped_at,
  concurrency = excluded.concurrency,
  running = excluded.running,
  names = excluded.names,
  activity = excluded.activity
