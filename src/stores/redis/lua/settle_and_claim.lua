-- settle_and_claim: the outcomes of the last batch, then the next claim, in one atomic step and one round trip.
-- The claim sees the settlements applied (a freed global slot, a retry due now).
-- ARGV: P, the settlements (shared/settle.lua), then the claim arguments (shared/claim.lua).
-- Returns { per settlement 1 or 0, the claimed jobs as claim.lua returns them }.
local settled, a = settleJobs(2)
local claimed = claimJobs(a)
wake()
return { settled, claimed }
