-- Groups of one name whose wake_at has come may have due work now: into the rotation (hourglass_groups_wake
-- holds only the waiting groups with a known time, so this reads only those whose time came).
UPDATE hourglass_groups INDEXED BY hourglass_groups_wake
SET ready = 1, wake_at = NULL
WHERE ready = 0 AND wake_at IS NOT NULL AND name = @name AND wake_at <= @now;
