-- hourglass on SQLite, version 11: workflow graphs (Scheduler.flow, src/core/rules/flow.ts).
--
-- The status 'blocked' joins the CHECK of hourglass_jobs.status. SQLite cannot ALTER a CHECK, and rebuilding
-- the table would rewrite every row under the write lock; widening the list is a change that needs no row
-- touched (every stored row still passes), which SQLite documents as done by editing the table's text in
-- sqlite_schema (https://sqlite.org/lang_altertable.html, "making other kinds of table schema changes"). The
-- migrator (migrate.ts) runs a migration that says `writable_schema` with SQLite's defensive mode off and
-- bumps schema_version after it, so every connection reloads the schema. Idempotent: the text is replaced only
-- where it still reads the old list, inside the migration's BEGIN IMMEDIATE (racing migrators queue on it).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
SET sql = replace(sql, '''completed'', ''failed'', ''cancelled'')', '''completed'', ''failed'', ''cancelled'', ''blocked'')')
WHERE type = 'table' AND name = 'hourglass_jobs' AND instr(sql, '''blocked''') = 0;
PRAGMA writable_schema = OFF;

-- A workflow node's place in its graph (JobRecord.flow, JSON text) and the dependencies it still waits for
-- (JobRecord.waitingFor). Adding columns rewrites nothing.
ALTER TABLE hourglass_jobs ADD COLUMN flow TEXT;
ALTER TABLE hourglass_jobs ADD COLUMN waiting_for INTEGER NOT NULL DEFAULT 0;

-- Blocked jobs, for counts and lists by status (never read by a claim: they are not pending).
CREATE INDEX hourglass_jobs_blocked ON hourglass_jobs (name, id) WHERE status = 'blocked';

-- The edges: dependency (parent) → dependent (child). A settle finds a job's dependents by a seek on the primary
-- key; `run` is the dependent's onDependencyFailure = 'run', `done` says the edge no longer holds it back.
-- Deleting a job deletes its edges (foreign keys are on for every connection: store.ts); the index on child_id
-- serves that delete on the dependent's side.
CREATE TABLE hourglass_edges (
  parent_id INTEGER NOT NULL REFERENCES hourglass_jobs (id) ON DELETE CASCADE,
  child_id  INTEGER NOT NULL REFERENCES hourglass_jobs (id) ON DELETE CASCADE,
  run       INTEGER NOT NULL,
  done      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (parent_id, child_id)
) WITHOUT ROWID;
CREATE INDEX hourglass_edges_child ON hourglass_edges (child_id);
