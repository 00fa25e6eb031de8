-- remove: delete a job, its indexes and its history. A running job's worker finds its lease lost.
-- Its dependents not yet released are cancelled first (shared/flow.lua), at `now`, and then no longer wait for it:
-- its edges still not done are done, their dependents counted down (rules/flow.ts removed).
-- ARGV: P, id, now. Returns 1 when a job was deleted, 0 for an unknown id.
local id = ARGV[2]
local job = load(id)
if not job then return 0 end
if job.flow then
  flowCascade(id, dependencyError(job.flow, job.name, 'removed'), tonumber(ARGV[3]))
  flowCompleted(id, tonumber(ARGV[3]))
end
removeJob(id, job)
return 1
