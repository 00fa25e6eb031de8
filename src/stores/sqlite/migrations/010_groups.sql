-- hourglass on SQLite, version 10: groups (tenants; src/core/rules/groups.ts).
--
-- jobs.job_group: the job's group, NULL for none. Adding a nullable column rewrites nothing.
ALTER TABLE hourglass_jobs ADD COLUMN job_group TEXT;

-- The ungrouped claim must never step over grouped jobs (a tenant's 100,000 due jobs would otherwise sit in every
-- range it reads), so both claim indexes gain "is grouped" right after the priority: the ungrouped claim reads
-- (priority, not grouped) ranges, and lists of pending jobs read both halves of a priority. Rebuilding them reads
-- the whole table under the write lock: on millions of kept jobs, run `hourglass migrate` at a quiet moment.
DROP INDEX hourglass_jobs_claim_name;
CREATE INDEX hourglass_jobs_claim_name ON hourglass_jobs (name, priority DESC, (job_group IS NOT NULL), next_run_at, id)
  WHERE status = 'pending';
DROP INDEX hourglass_jobs_claim;
CREATE INDEX hourglass_jobs_claim ON hourglass_jobs (priority DESC, (job_group IS NOT NULL), next_run_at, id)
  WHERE status = 'pending';

-- A group's due jobs in claim order (one seek per priority in use, as the ungrouped claim). Grouped jobs only.
CREATE INDEX hourglass_jobs_claim_group ON hourglass_jobs (name, job_group, priority DESC, next_run_at, id)
  WHERE status = 'pending' AND job_group IS NOT NULL;
-- The slots a group takes (rules/claim.ts takesSlot: running, or cancelled with its run's lock), counted against
-- groupConcurrency: running grouped jobs only, a handful.
CREATE INDEX hourglass_jobs_group_slots ON hourglass_jobs (name, job_group, status, locked_until)
  WHERE job_group IS NOT NULL AND lock_token IS NOT NULL;

-- One row per (name, group): its rotation stamp (`served`: when last served, 0 never), and whether it may have due
-- work. `ready` groups are walked in rotation order; the others wait for `wake_at` (a lower bound of their
-- pending jobs' due times, NULL when none is known), and a claim makes those whose time came ready first. So a
-- claim walks only groups that may have due work, never the idle ones.
CREATE TABLE hourglass_groups (
  name    TEXT    NOT NULL,
  grp     TEXT    NOT NULL,
  served  INTEGER NOT NULL DEFAULT 0,
  ready   INTEGER NOT NULL DEFAULT 0,
  wake_at INTEGER,
  PRIMARY KEY (name, grp)
) WITHOUT ROWID;
CREATE INDEX hourglass_groups_rotation ON hourglass_groups (name, served, grp) WHERE ready = 1;
CREATE INDEX hourglass_groups_wake ON hourglass_groups (name, wake_at) WHERE ready = 0 AND wake_at IS NOT NULL;
-- The highest stamp, so a claim stamps the groups it served above all others.
CREATE INDEX hourglass_groups_served ON hourglass_groups (served);

-- Every write that makes a grouped job pending (insert, retry, repeat, release, recovery, trigger, update, a
-- repeat key's upsert) lowers its group's wake_at, in the same statement: no write path can be missed.
CREATE TRIGGER hourglass_groups_wake_insert AFTER INSERT ON hourglass_jobs
WHEN NEW.job_group IS NOT NULL AND NEW.status = 'pending'
BEGIN
  INSERT INTO hourglass_groups (name, grp, wake_at) VALUES (NEW.name, NEW.job_group, NEW.next_run_at)
  ON CONFLICT (name, grp) DO UPDATE SET wake_at = min(coalesce(wake_at, excluded.wake_at), excluded.wake_at) WHERE ready = 0;
END;
CREATE TRIGGER hourglass_groups_wake_update AFTER UPDATE OF status, next_run_at, name ON hourglass_jobs
WHEN NEW.job_group IS NOT NULL AND NEW.status = 'pending'
  AND (OLD.status <> 'pending' OR NEW.next_run_at < OLD.next_run_at OR NEW.name <> OLD.name)
BEGIN
  INSERT INTO hourglass_groups (name, grp, wake_at) VALUES (NEW.name, NEW.job_group, NEW.next_run_at)
  ON CONFLICT (name, grp) DO UPDATE SET wake_at = min(coalesce(wake_at, excluded.wake_at), excluded.wake_at) WHERE ready = 0;
END;

-- Global rate limits (rateLimit with scope 'global', src/core/rules/rate.ts): the claims of each rate key (a name,
-- or a name and group with by: 'group'; '' for none) by claim time, several claims of one instant in one row. A
-- claim counts a key's rows in its window (a range of the key) and trims those before it, so a key holds at most
-- one window of rows.
CREATE TABLE hourglass_rate (
  name     TEXT    NOT NULL,
  rate_key TEXT    NOT NULL,
  at       INTEGER NOT NULL,
  n        INTEGER NOT NULL,
  PRIMARY KEY (name, rate_key, at)
) WITHOUT ROWID;
