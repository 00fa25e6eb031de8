-- hourglass on PostgreSQL, version 16: workflow graphs (Scheduler.flow, src/core/rules/flow.ts).
--
-- The status 'blocked' joins the CHECK on jobs.status: the old constraint is dropped and the wider one added
-- NOT VALID, which takes a brief lock and reads no row (every stored row passes it anyway; new and updated
-- rows are checked). Columns with a constant default are added without a rewrite (PostgreSQL 11+).
ALTER TABLE {{schema}}.jobs DROP CONSTRAINT IF EXISTS jobs_status_check;
ALTER TABLE {{schema}}.jobs ADD CONSTRAINT jobs_status_check
  CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled', 'blocked')) NOT VALID;

-- A workflow node's place in its graph (JobRecord.flow; json, so its keys keep their order) and how many of
-- its dependencies it still waits for (JobRecord.waitingFor).
ALTER TABLE {{schema}}.jobs ADD COLUMN flow json;
ALTER TABLE {{schema}}.jobs ADD COLUMN waiting_for integer NOT NULL DEFAULT 0;

-- The edges: dependency (parent) → dependent (child). A settle finds a job's dependents by a seek on the primary
-- key; `run` is the dependent's onDependencyFailure = 'run', `done` says the edge no longer holds it back.
-- Deleting a job deletes its edges; edges_child serves that on the dependent's side. Counts and lists of
-- blocked jobs go through jobs_status_name like every status.
CREATE TABLE {{schema}}.edges (
  parent_id bigint  NOT NULL REFERENCES {{schema}}.jobs (id) ON DELETE CASCADE,
  child_id  bigint  NOT NULL REFERENCES {{schema}}.jobs (id) ON DELETE CASCADE,
  run       boolean NOT NULL,
  done      boolean NOT NULL DEFAULT false,
  PRIMARY KEY (parent_id, child_id)
);
CREATE INDEX edges_child ON {{schema}}.edges (child_id);
