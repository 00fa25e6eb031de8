-- backfill: add jobs written before retention was switched on (the first prune) to the retention indexes, one
-- chunk of ids per call.
-- ARGV: P, chunk. Visits ids backfill:next .. backfill:last (P:meta) in order, at most `chunk` per call, and
-- returns how many ids are left (0 when done; the fields are then deleted).
-- Each visit reads the job as it is now (atomically, in this script): a finished job joins P:f:<status> by
-- its updatedAt, a job with history joins P:hheads by the id of its oldest record. Jobs created after the migration,
-- and every change after a job's visit, are indexed by the scripts themselves, so visiting each id once is
-- enough; a job that changes before its visit is read in its new state. Several processes may run it at
-- once: each call takes the next chunk.
local nextText, lastText = unpack(redis.call('HMGET', P .. ':meta', 'backfill:next', 'backfill:last'))
if not nextText or not lastText then return 0 end
local first, last = tonumber(nextText), tonumber(lastText)
local stop = math.min(last, first + tonumber(ARGV[2]) - 1)
for n = first, stop do
  local id = fmt(n)
  local f = redis.call('HMGET', jobKey(id), 'status', 'updatedAt')
  if f[1] and TERMINAL[f[1]] then
    redis.call('ZADD', P .. ':f:' .. f[1], f[2] or '0', id)
  end
  local oldest = oldestHistory(id)
  if oldest then redis.call('ZADD', P .. ':hheads', historyId(oldest), id) end
end
if stop >= last then
  redis.call('HDEL', P .. ':meta', 'backfill:next', 'backfill:last')
  return 0
end
redis.call('HSET', P .. ':meta', 'backfill:next', fmt(stop + 1))
return last - stop
