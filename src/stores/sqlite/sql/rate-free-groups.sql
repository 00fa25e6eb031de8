-- A rate per group (src/core/rules/rate.ts rateFreeAt): the earliest start still in any window of the name, one
-- seek of hourglass_rate_first (migration 015), whatever the number of groups.
SELECT min(at) FROM hourglass_rate WHERE name = @name AND at > @since;
