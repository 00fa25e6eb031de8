-- lock_release: drop a named lock only if `owner` holds it (an expired lock may belong to someone else now).
-- ARGV: P, name, owner. Returns 1 when released, else 0.
local key = P .. ':lock:' .. ARGV[2]
if redis.call('HGET', key, 'owner') ~= ARGV[3] then return 0 end
redis.call('DEL', key)
return 1
