-- Forget a group that went away (src/core/rules/groups.ts forgettable): its row (stamp, ready, wake_at). Its
-- rate key's log goes with it (group-forget-rate.sql). A job made pending later makes a new row (migration 010's
-- triggers), as for a new group.
DELETE FROM hourglass_groups WHERE name = @name AND grp = @grp;
