-- lock_acquire: take a named lock for `owner` for ttl ms; the same owner re-acquiring extends it.
-- ARGV: P, name, owner, ttlMs. Returns 1 when the owner holds the lock afterwards, else 0.
local key = P .. ':lock:' .. ARGV[2]
local holder = redis.call('GET', key)
if holder == ARGV[3] then
  redis.call('PEXPIRE', key, ARGV[4])
  return 1
end
if holder then return 0 end
redis.call('SET', key, ARGV[3], 'PX', ARGV[4])
return 1
