-- saveStep: store a durable run's entry (insert or replace by key) if this run still holds the running job
-- (rules/steps.ts holdsRun). ARGV: P, id, lockToken, key, entry (JSON). Returns 1 when saved, 0 when the lease is lost.
local id = ARGV[2]
local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken')
if f[2] ~= ARGV[3] or f[1] ~= 'running' then return 0 end
redis.call('HSET', P .. ':steps:' .. id, ARGV[4], ARGV[5])
return 1
