-- pruneEvents: forget every event sent before `before`, whatever its name (Store.pruneEvents, core rules/steps.ts
-- eventForgotten), in one atomic step. Only the names in P:evnames whose oldest event is that old are visited
-- (shared/steps.lua); each keeps its place there by its new oldest event, or leaves it once it has none.
-- ARGV: P, before. Returns how many events were forgotten.
local before = '(' .. ARGV[2]
local names = redis.call('ZRANGEBYSCORE', P .. ':evnames', '-inf', before)
local forgotten = 0
for _, name in ipairs(names) do
  local events = P .. ':events:' .. name
  forgotten = forgotten + redis.call('ZREMRANGEBYSCORE', events, '-inf', before)
  local oldest = redis.call('ZRANGE', events, 0, 0, 'WITHSCORES')
  if #oldest == 0 then redis.call('ZREM', P .. ':evnames', name)
  else redis.call('ZADD', P .. ':evnames', oldest[2], name) end
end
return forgotten
