-- 009 scheduled members: P:scheduled's members are ids padded to 16 digits (lib.lua scheduledMember), so the jobs
-- due at one time are in id order and list_pending.lua reads a page of them without reading the whole tie. Every
-- id reserveIds hands out already has 16 digits, so nothing changes for them, and a process of layout 8 writes
-- the same members during a rolling upgrade. Only a prefix older than the clock floor has shorter ids: its pending
-- ones are a range of P:s:pending (scored by id), each re-added padded if it is scheduled. O(those jobs).
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':s:pending', '-inf', '(1000000000000000')) do
  local score = redis.call('ZSCORE', P .. ':scheduled', id)
  if score then
    redis.call('ZREM', P .. ':scheduled', id)
    redis.call('ZADD', P .. ':scheduled', score, scheduledMember(id))
  end
end
redis.call('HSET', P .. ':meta', 'layout', '9')
