-- progress: store a run's progress if its lease still holds (the job is running under this lock token).
-- ARGV: P, id, lockToken, progress (JSON), now. Returns 1 when saved, 0 when the lease is lost.
local id = ARGV[2]
local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken')
if f[2] ~= ARGV[3] or f[1] ~= 'running' then return 0 end
redis.call('HSET', jobKey(id), 'progress', ARGV[4], 'updatedAt', ARGV[5])
return 1
