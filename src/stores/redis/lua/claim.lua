-- claim: recover expired locks, then lock up to `limit` due jobs for one worker, in one atomic step.
-- ARGV: P, then the claim arguments described in shared/claim.lua. Returns what claimJobs returns.
local claimed = claimJobs(2)
wake()
return claimed
