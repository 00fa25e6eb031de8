-- remove: delete a job, its indexes and its history. A running job's worker finds its lease lost.
-- ARGV: P, id. Returns 1 when a job was deleted, 0 for an unknown id.
local id = ARGV[2]
local job = load(id)
if not job then return 0 end
removeJob(id, job)
return 1
