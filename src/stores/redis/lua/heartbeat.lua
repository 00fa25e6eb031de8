-- heartbeat: extend many leases in one step (updatedAt moves with the lease, as in every store).
-- ARGV: P, now, count, then per lease: id, lockToken, lockedUntil.
-- Returns per lease 'ok', 'cancelled' (still ours, but cancel() was called) or 'lost'.
local now = ARGV[2]
local count = tonumber(ARGV[3])
local out = {}
for i = 0, count - 1 do
  local a = 3 + i * 3
  local id, token, lockedUntil = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken', 'name', 'group')
  if f[2] ~= token then
    out[#out + 1] = 'lost'
  elseif f[1] == 'running' then
    redis.call('HSET', jobKey(id), 'lockedUntil', lockedUntil, 'updatedAt', now)
    redis.call('ZADD', P .. ':locked', lockedUntil, id)
    out[#out + 1] = 'ok'
  elseif f[1] == 'cancelled' then
    redis.call('HSET', jobKey(id), 'lockedUntil', lockedUntil, 'updatedAt', now)
    -- A finished job's place in the finish-time index (prune) is its updatedAt; its run still holds a slot
    -- until the new lockedUntil (lib.lua).
    redis.call('ZADD', P .. ':f:cancelled', now, id)
    redis.call('ZADD', P .. ':held:' .. f[3], lockedUntil, id)
    if f[4] then redis.call('ZADD', P .. ':gheld:' .. groupKey(f[3], f[4]), lockedUntil, id) end
    out[#out + 1] = 'cancelled'
  else
    out[#out + 1] = 'lost'
  end
end
return out
