-- history_index: move jobs from P:hjobs (layouts 2 and 3: jobs with history scored by their oldest record's
-- completedAt) to P:hheads (layout 4: scored by that record's id, the order prune takes records in). One chunk
-- per call, so Redis is never blocked for long; migrate.ts calls it until nothing is left, on every start, so
-- what an older process still wrote during a rolling upgrade is moved by the next process that starts.
-- ARGV: P, chunk. Returns how many jobs are left in P:hjobs.
local ids = redis.call('ZRANGE', P .. ':hjobs', 0, tonumber(ARGV[2]) - 1)
if #ids == 0 then return 0 end
for _, id in ipairs(ids) do
  local oldest = oldestHistory(id)
  if oldest then redis.call('ZADD', P .. ':hheads', historyId(oldest), id) end
end
callMany('ZREM', P .. ':hjobs', ids)
return redis.call('ZCARD', P .. ':hjobs')
