-- heartbeat: extend many leases in one step.
-- ARGV: P, now, count, then per lease: id, lockToken, lockedUntil.
-- Returns per lease 'ok', 'cancelled' (still ours, but cancel() was called) or 'lost'.
local count = tonumber(ARGV[3])
local out = {}
for i = 0, count - 1 do
  local a = 3 + i * 3
  local id, token, lockedUntil = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken')
  if f[2] ~= token then
    out[#out + 1] = 'lost'
  elseif f[1] == 'running' then
    redis.call('HSET', jobKey(id), 'lockedUntil', lockedUntil)
    redis.call('ZADD', P .. ':locked', lockedUntil, id)
    out[#out + 1] = 'ok'
  elseif f[1] == 'cancelled' then
    redis.call('HSET', jobKey(id), 'lockedUntil', lockedUntil)
    out[#out + 1] = 'cancelled'
  else
    out[#out + 1] = 'lost'
  end
end
return out
