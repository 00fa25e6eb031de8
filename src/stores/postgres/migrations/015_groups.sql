-- hourglass on PostgreSQL, version 15: groups (tenants; src/core/rules/groups.ts).
--
-- jobs.grp: the job's group, NULL for none. A nullable column without a default: catalog-only, instant.
ALTER TABLE {{schema}}.jobs ADD COLUMN grp text COLLATE "C";

-- The ungrouped claim must never step over grouped jobs (a tenant's 100,000 due jobs would otherwise sit in every
-- range it reads): it reads jobs_claim_plain, the pending jobs without a group in claim order. jobs_claim_name
-- (all pending jobs) stays for lists and the priority seeks. A first version instead rebuilt jobs_claim_name with
-- "is grouped" after the priority: the planner then read lists of pending jobs as a bitmap of a whole priority and
-- sorted it. Building it reads the whole table under a lock that blocks writes: on millions of kept jobs, run
-- `hourglass migrate` at a quiet moment. (The cost: a pending job without a group is written to one more index.)
CREATE INDEX jobs_claim_plain ON {{schema}}.jobs (name, priority DESC, next_run_at, id)
  WHERE status = 'pending' AND grp IS NULL;
-- A group's due jobs in claim order (one seek per priority in use, as the ungrouped claim). Grouped jobs only.
CREATE INDEX jobs_claim_group ON {{schema}}.jobs (name, grp, priority DESC, next_run_at, id)
  WHERE status = 'pending' AND grp IS NOT NULL;
-- The slots a group takes (rules/claim.ts takesSlot), counted against groupConcurrency, and the grouped jobs a
-- claim just took (to stamp their groups): grouped jobs carrying a run's lock only, a handful.
CREATE INDEX jobs_group_slots ON {{schema}}.jobs (name, grp, status, locked_until)
  WHERE grp IS NOT NULL AND lock_token IS NOT NULL;

-- One row per (name, group): its rotation stamp (`served`: when last served, 0 never), and whether it may have due
-- work. `ready` groups are walked in rotation order (served, then grp in byte order); the others wait for
-- `wake_at` (a lower bound of their pending jobs' due times, NULL when none is known), and a claim makes those
-- whose time came ready first. So a claim walks only groups that may have due work, never the idle ones.
CREATE TABLE {{schema}}.groups (
  name    text    NOT NULL,
  grp     text    COLLATE "C" NOT NULL,
  served  bigint  NOT NULL DEFAULT 0,
  ready   boolean NOT NULL DEFAULT false,
  wake_at bigint,
  PRIMARY KEY (name, grp)
);
CREATE INDEX groups_rotation ON {{schema}}.groups (name, served, grp) WHERE ready;
CREATE INDEX groups_wake ON {{schema}}.groups (name, wake_at) WHERE NOT ready AND wake_at IS NOT NULL;
-- The highest stamp, so a claim stamps the groups it served above all others.
CREATE INDEX groups_served ON {{schema}}.groups (served);

-- Every write that makes a grouped job pending (insert, retry, repeat, release, recovery, trigger, update, a
-- repeat key's upsert) lowers its waiting group's wake_at, in the same statement: no write path can be missed.
-- A claim holds the row of each group it visits (FOR UPDATE) from before it reads that group's jobs until it
-- commits, so this either ran before (the claim sees the job) or waits and applies after (onto the claim's
-- verdict): a group is never put to sleep past a job made pending beside the claim.
CREATE FUNCTION {{schema}}.groups_wake() RETURNS trigger LANGUAGE plpgsql AS $function$
BEGIN
  INSERT INTO {{schema}}.groups AS g (name, grp, wake_at) VALUES (NEW.name, NEW.grp, NEW.next_run_at)
  ON CONFLICT (name, grp) DO UPDATE SET wake_at = least(g.wake_at, excluded.wake_at)
  WHERE NOT g.ready AND (g.wake_at IS NULL OR g.wake_at > excluded.wake_at);
  RETURN NULL;
END
$function$;
CREATE TRIGGER groups_wake_insert AFTER INSERT ON {{schema}}.jobs
  FOR EACH ROW WHEN (NEW.grp IS NOT NULL AND NEW.status = 'pending')
  EXECUTE FUNCTION {{schema}}.groups_wake();
CREATE TRIGGER groups_wake_update AFTER UPDATE OF status, next_run_at, name ON {{schema}}.jobs
  FOR EACH ROW WHEN (NEW.grp IS NOT NULL AND NEW.status = 'pending'
                     AND (OLD.status <> 'pending' OR NEW.next_run_at < OLD.next_run_at OR NEW.name <> OLD.name))
  EXECUTE FUNCTION {{schema}}.groups_wake();

-- Global rate limits (rateLimit with scope 'global', src/core/rules/rate.ts): the claims of each rate key (a name,
-- or a name and group with by: 'group'; '' for none) by claim time, several claims of one instant in one row. A
-- claim counts a key's rows in its window (a range of the key), and logging trims those before it, so a key holds
-- at most one window of rows.
CREATE TABLE {{schema}}.rate_starts (
  name     text   NOT NULL,
  rate_key text   COLLATE "C" NOT NULL,
  at       bigint NOT NULL,
  n        integer NOT NULL,
  PRIMARY KEY (name, rate_key, at)
);

-- The claim's functions take more parameters (each capped name's groupConcurrency and global rate), so the migrator installs
-- them as new overloads. The previous ones go: a process of an older hourglass calling them would claim grouped
-- jobs as ordinary ones, past their group's cap; without them it fails its claims (STORE_ERROR, logged) until it
-- is upgraded, and runs nothing it should not.
DROP FUNCTION IF EXISTS {{schema}}.claim_jobs(bigint, text, text, integer, text[], text[], integer[], integer[], text[], bigint[], bigint, text);
DROP FUNCTION IF EXISTS {{schema}}.settle_and_claim(bigint, text, text, integer, text[], text[], integer[], integer[], text[], bigint[], bigint, text, jsonb, text, text[]);
