-- hourglass on PostgreSQL, version 17: durable runs (docs/durable-steps.md, src/core/rules/steps.ts). Three new,
-- empty tables; nothing is rewritten. Creating the foreign keys takes a short SHARE ROW EXCLUSIVE lock on jobs
-- (it blocks writes to jobs until this migration commits, a few ms; reads go on). Entries and waits go with their
-- job (ON DELETE CASCADE: remove() and prune() delete them through the primary key and waits_job).
--
-- steps: a job's memoised entries of its current cycle (ctx.step, ctx.sleep, ctx.waitForEvent), each a StepRecord
-- as JSON text (text, so a result keeps its key order and may hold any JSON, as jobs.result does).
CREATE TABLE IF NOT EXISTS {{schema}}.steps (
  job_id bigint NOT NULL REFERENCES {{schema}}.jobs (id) ON DELETE CASCADE,
  key    text   NOT NULL,
  entry  text   NOT NULL,
  PRIMARY KEY (job_id, key)
);

-- events: events sent (sendEvent), kept EVENT_RETENTION_MS for waits a run has not reached yet; read by name from
-- a time on, forgotten by name and age when the next one of that name is sent.
CREATE TABLE IF NOT EXISTS {{schema}}.events (
  seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name    text   NOT NULL,
  payload text   NOT NULL,
  sent_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS events_name ON {{schema}}.events (name, sent_at);

-- waits: the jobs waiting for each event name, so sendEvent reads only those (never the jobs table). An entry
-- whose job no longer waits is dropped by the next sendEvent of its name (rules/steps.ts waitVerdict).
CREATE TABLE IF NOT EXISTS {{schema}}.waits (
  event  text   NOT NULL,
  job_id bigint NOT NULL REFERENCES {{schema}}.jobs (id) ON DELETE CASCADE,
  key    text   NOT NULL,
  PRIMARY KEY (event, job_id)
);
CREATE INDEX IF NOT EXISTS waits_job ON {{schema}}.waits (job_id);
