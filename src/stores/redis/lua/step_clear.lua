-- clearSteps: delete a job's entries (a repeat's cycle ends) if this run still holds the running job.
-- ARGV: P, id, lockToken. Returns 1 when the run holds it, 0 when the lease is lost.
local id = ARGV[2]
local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken')
if f[2] ~= ARGV[3] or f[1] ~= 'running' then return 0 end
redis.call('DEL', P .. ':steps:' .. id)
return 1
