-- hourglass on PostgreSQL, version 9: the registry of scheduler processes (Store.putProcess, listProcesses):
-- one row per process, its record as the JSON text it wrote (so it comes back exactly), and when it was last
-- seen, by which silent ones are forgotten. A few rows per running process: no index beyond the key.
-- last_seen_at is double precision: `lastSeenAt < forgetBefore` is then decided as JavaScript decides it.
CREATE TABLE {{schema}}.processes (
  id           text             PRIMARY KEY,
  last_seen_at double precision NOT NULL,
  record       json             NOT NULL
);
