-- hourglass on PostgreSQL, version 19: a group row for a grouped job renamed while it runs.
--
-- A repeat key's upsert (every()) may give a running grouped job another name. Its group row is keyed by
-- (name, group), and 015's trigger made one only when a job became pending, so the renamed job had none under
-- its new name. When its lease then ended, the claim recovers it through its group's rotation (group_offers),
-- which walks group rows: with none, the job was never offered, neither claimed nor released, until something
-- else made a row (found by the differential suite: test/differential/regressions.ts). Now a rename of a grouped
-- job makes its new (name, group) row whatever its status; the row waits (wake_at: the job's due time), so it
-- costs a claim nothing until then, and recovery makes it ready.
DROP TRIGGER IF EXISTS groups_wake_update ON {{schema}}.jobs;
CREATE TRIGGER groups_wake_update AFTER UPDATE OF status, next_run_at, name ON {{schema}}.jobs
  FOR EACH ROW WHEN (NEW.grp IS NOT NULL
                     AND ((NEW.status = 'pending' AND (OLD.status <> 'pending' OR NEW.next_run_at < OLD.next_run_at))
                          OR NEW.name <> OLD.name))
  EXECUTE FUNCTION {{schema}}.groups_wake();
