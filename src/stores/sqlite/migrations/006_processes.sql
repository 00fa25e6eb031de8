-- The process registry (Store.putProcess, listProcesses): one row per scheduler process sharing the file, as
-- its last heartbeat wrote it. `names` (JSON array, NULL for a fallback handler that runs any name) and
-- `activity` (JSON array of its last hour's buckets) are TEXT, given back exactly as written.
CREATE TABLE hourglass_processes (
  id           TEXT    PRIMARY KEY,         -- the scheduler's workerId
  host         TEXT    NOT NULL,
  pid          INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  stopped_at   INTEGER,                     -- NULL while it runs
  concurrency  INTEGER NOT NULL,
  running      INTEGER NOT NULL,
  names        TEXT,
  activity     TEXT    NOT NULL
);
-- Every write forgets the records last seen before a time: a range of this index, not a scan of the table.
CREATE INDEX hourglass_processes_seen ON hourglass_processes (last_seen_at);
