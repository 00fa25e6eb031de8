-- lock_acquire: take a named lock for `owner` for ttl ms; the same owner re-acquiring extends it.
-- ARGV: P, name, owner, ttlMs, now. Returns 1 when the owner holds the lock afterwards, else 0.
-- Expiry is judged by the caller's clock (expiresAt = now + ttl, as every store does); PEXPIRE only makes
-- Redis drop the key once it is certainly stale, so abandoned locks do not pile up.
local key = P .. ':lock:' .. ARGV[2]
local owner, ttl, now = ARGV[3], ARGV[4], tonumber(ARGV[5])
local held = redis.call('HMGET', key, 'owner', 'expiresAt')
if held[1] and held[1] ~= owner and tonumber(held[2]) > now then return 0 end
redis.call('HSET', key, 'owner', owner, 'expiresAt', fmt(now + tonumber(ttl)))
redis.call('PEXPIRE', key, ttl)
return 1
