-- hourglass on PostgreSQL, version 2: what processes coordinate through besides jobs.

-- Names no process may claim (Scheduler.pause); claim.sql reads the whole table, which stays tiny.
CREATE TABLE {{schema}}.paused (
  name      text   PRIMARY KEY,
  paused_at bigint NOT NULL
);

-- Named distributed locks (scheduler.locks): held by an owner until expires_at (epoch ms).
CREATE TABLE {{schema}}.locks (
  name       text   PRIMARY KEY,
  owner      text   NOT NULL,
  expires_at bigint NOT NULL
);
