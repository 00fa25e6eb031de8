-- repeat_index: add jobs written before layout 5 to P:rep (the jobs with a repeat), one chunk per call.
-- ARGV: P, chunk. Visits the jobs with ids rep:next .. rep:last (P:meta) in id order, at most `chunk` per call,
-- and returns how many ids the range has left (0 when done; the fields are then deleted). Ids are sparse
-- (lib.lua reserveIds), so the jobs are found in the status indexes, which hold every job once: P:s:<status>
-- scored by id, and P:locked for running jobs (few: read whole), as backfill.lua finds them.
-- A job is read as it is now, in this script; changes after its visit are indexed by the scripts themselves
-- (index()), so one visit per job is enough. Several processes may run it at once: each call takes the next chunk.
local nextText, lastText = unpack(redis.call('HMGET', P .. ':meta', 'rep:next', 'rep:last'))
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
-- and more than `chunk` found says the range goes on.
local stop = last
if #found > chunk then stop = found[chunk] end
for _, n in ipairs(found) do
  if n > stop then break end
  local id = fmt(n)
  if redis.call('HEXISTS', jobKey(id), 'repeat') == 1 then redis.call('ZADD', P .. ':rep', id, id) end
end
if stop >= last then
  redis.call('HDEL', P .. ':meta', 'rep:next', 'rep:last')
  return 0
end
redis.call('HSET', P .. ':meta', 'rep:next', fmt(stop + 1))
return last - stop
