-- backfill: add jobs written before retention was switched on (the first prune) to the retention indexes, one
-- chunk of ids per call.
-- ARGV: P, chunk. Visits the jobs with ids backfill:next .. backfill:last (P:meta) in id order, at most `chunk`
-- per call, and returns how many ids the range has left (0 when done; the fields are then deleted). Ids are
-- sparse (lib.lua reserveIds: a range can span 10^15 numbers), so the jobs are found in the status indexes,
-- which hold every job once: P:s:<status> scored by id, and P:locked for running jobs (few: read whole).
-- Each visit reads the job as it is now (atomically, in this script): a finished job joins P:f:<status> by
-- its updatedAt, a job with history joins P:hheads by the id of its oldest record. Jobs created after the migration,
-- and every change after a job's visit, are indexed by the scripts themselves, so visiting each id once is
-- enough; a job that changes before its visit is read in its new state. Several processes may run it at
-- once: each call takes the next chunk.
local nextText, lastText = unpack(redis.call('HMGET', P .. ':meta', 'backfill:next', 'backfill:last'))
if not nextText or not lastText then return 0 end
local first, last = tonumber(nextText), tonumber(lastText)
local chunk = tonumber(ARGV[2])
local found = {}
for _, status in ipairs({ 'pending', 'completed', 'failed', 'cancelled' }) do
  for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':s:' .. status, first, last, 'LIMIT', 0, chunk + 1)) do found[#found + 1] = tonumber(id) end
end
for _, id in ipairs(redis.call('ZRANGE', P .. ':locked', 0, -1)) do
  local n = tonumber(id)
  if n >= first and n <= last then found[#found + 1] = n end
end
table.sort(found)
-- The chunk ends at the chunk-th id found: each index gave its first chunk + 1, so every id up to there is here,
-- and one more than `chunk` found says the range goes on.
local stop = last
if #found > chunk then stop = found[chunk] end
for _, n in ipairs(found) do
  if n > stop then break end
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
