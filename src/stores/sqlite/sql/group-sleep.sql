-- A ready group the claim found without due work leaves the rotation until @wake_at, its earliest pending due
-- time (NULL: no pending job; a write that makes one pending wakes it, migration 010's triggers).
UPDATE hourglass_groups SET ready = 0, wake_at = @wake_at WHERE name = @name AND grp = @grp;
