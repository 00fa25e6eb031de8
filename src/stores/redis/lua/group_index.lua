-- group_index: add jobs written before layout 7 to P:gjobs:<group> (a group's jobs), one chunk per call (lib.lua
-- walkIdRange: the range gjobs:next .. gjobs:last).
-- ARGV: P, chunk. Returns how many ids the range has left (0 when done).
-- A job is read as it is now, in this script; changes after its visit are indexed by the scripts themselves
-- (index()), so one visit per job is enough.
return walkIdRange('gjobs', tonumber(ARGV[2]), function(id)
  local group = redis.call('HGET', jobKey(id), 'group')
  if group then redis.call('ZADD', P .. ':gjobs:' .. group, id, id) end
end)
