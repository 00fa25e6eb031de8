-- group_live_index: add the grouped jobs written before layout 8 to P:glive:<g>, P:gknown:<name> and P:gnames, one
-- chunk per call (lib.lua walkIdRange: the range gl:next .. gl:last).
-- ARGV: P, chunk. Returns how many ids the range has left (0 when done).
-- A job is read as it is now, in this script; changes after its visit are indexed by the scripts themselves.
return walkIdRange('gl', tonumber(ARGV[2]), function(id)
  local f = redis.call('HMGET', jobKey(id), 'name', 'group', 'status')
  if not f[2] then return end
  if GROUP_LIVE[f[3]] then redis.call('ZADD', P .. ':glive:' .. groupKey(f[1], f[2]), id, id) end
  knownGroup(f[1], f[2])
end)
