-- hourglass on SQLite, version 1. Times are epoch milliseconds (INTEGER); JSON columns are TEXT.

CREATE TABLE hourglass_jobs (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: an id is never reused after a delete
  name             TEXT    NOT NULL,
  data             TEXT    NOT NULL DEFAULT 'null',
  status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  priority         INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  max_attempts     INTEGER,            -- NULL: the worker's definition or defaults decide
  backoff          TEXT,
  timeout_ms       INTEGER,
  repeat           TEXT,
  repeat_key       TEXT,
  dedupe_key       TEXT,
  due_at           INTEGER NOT NULL,   -- due time of the current occurrence (repeats are computed from it)
  next_run_at      INTEGER NOT NULL,   -- when it may next be claimed (retries and trigger move only this)
  last_run_at      INTEGER,
  last_finished_at INTEGER,
  last_error       TEXT,
  result           TEXT,
  progress         TEXT,
  lock_token       TEXT,               -- fencing token of the current claim
  locked_by        TEXT,
  locked_until     INTEGER,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
);

-- The claim path: due pending jobs by priority, then due time, then insertion order.
CREATE INDEX hourglass_jobs_claim ON hourglass_jobs (priority DESC, next_run_at, id) WHERE status = 'pending';
-- Claims of one capped name (per-name concurrency).
CREATE INDEX hourglass_jobs_claim_name ON hourglass_jobs (name, priority DESC, next_run_at, id) WHERE status = 'pending';
-- Recovery of expired locks and per-name running counts.
CREATE INDEX hourglass_jobs_running ON hourglass_jobs (locked_until) WHERE status = 'running';
-- Lists and counts of finished jobs. Partial on purpose: a job enters these once, when it finishes, so the
-- claim path (pending → running) never touches them. Pending and running jobs are listed and counted through
-- the claim and running indexes; ids grow with creation, so lists order by id.
CREATE INDEX hourglass_jobs_finished ON hourglass_jobs (status, id) WHERE status IN ('completed', 'failed', 'cancelled');
CREATE INDEX hourglass_jobs_finished_name ON hourglass_jobs (name, status) WHERE status IN ('completed', 'failed', 'cancelled');
-- One live job per dedupe key; one job per repeat key.
CREATE UNIQUE INDEX hourglass_jobs_dedupe ON hourglass_jobs (dedupe_key)
  WHERE dedupe_key IS NOT NULL AND status IN ('pending', 'running');
CREATE UNIQUE INDEX hourglass_jobs_repeat_key ON hourglass_jobs (repeat_key) WHERE repeat_key IS NOT NULL;

CREATE TABLE hourglass_history (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id       INTEGER NOT NULL,
  status       TEXT    NOT NULL,
  attempt      INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  completed_at INTEGER NOT NULL,
  duration     INTEGER NOT NULL,
  error        TEXT,
  result       TEXT,
  worker_id    TEXT    NOT NULL
);
CREATE INDEX hourglass_history_job ON hourglass_history (job_id, id);

CREATE TABLE hourglass_paused (
  name      TEXT PRIMARY KEY,
  paused_at INTEGER NOT NULL
);

CREATE TABLE hourglass_locks (
  name       TEXT PRIMARY KEY,
  owner      TEXT    NOT NULL,
  expires_at INTEGER NOT NULL
);
