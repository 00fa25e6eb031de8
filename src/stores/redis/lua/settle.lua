-- settle: apply the core's decisions for many finished runs, in one atomic step.
-- ARGV: P, then the settlements described in shared/settle.lua. Returns per settlement 1 (applied) or 0.
local settled = settleJobs(2)
wake()
return settled
