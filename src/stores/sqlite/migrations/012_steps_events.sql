-- hourglass on SQLite, version 12: durable runs (docs/durable-steps.md, src/core/rules/steps.ts). Three new tables,
-- nothing rewritten. Entries and waits go with their job (ON DELETE CASCADE: remove() and prune() delete them).
--
-- hourglass_steps: a job's memoised entries of its current cycle (ctx.step, ctx.sleep, ctx.waitForEvent), each
-- a StepRecord as JSON text (its result keeps its key order), one per key.
CREATE TABLE hourglass_steps (
  job_id INTEGER NOT NULL REFERENCES hourglass_jobs (id) ON DELETE CASCADE,
  key    TEXT    NOT NULL,
  entry  TEXT    NOT NULL,
  PRIMARY KEY (job_id, key)
) WITHOUT ROWID;

-- hourglass_events: events sent (sendEvent), kept EVENT_RETENTION_MS for waits a run has not reached yet; read by
-- name from a time on (find-events.sql), forgotten by name and age when the next one of that name is sent.
CREATE TABLE hourglass_events (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  name    TEXT    NOT NULL,
  payload TEXT    NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX hourglass_events_name ON hourglass_events (name, sent_at);

-- hourglass_waits: the jobs waiting for each event name, so sendEvent reads only those (never the jobs table).
-- An entry whose job no longer waits is dropped by the next sendEvent of its name (rules/steps.ts waitVerdict).
CREATE TABLE hourglass_waits (
  event  TEXT    NOT NULL,
  job_id INTEGER NOT NULL REFERENCES hourglass_jobs (id) ON DELETE CASCADE,
  key    TEXT    NOT NULL,
  PRIMARY KEY (event, job_id)
) WITHOUT ROWID;
CREATE INDEX hourglass_waits_job ON hourglass_waits (job_id);
