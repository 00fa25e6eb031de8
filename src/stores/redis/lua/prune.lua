-- prune: retention. Deletes finished jobs older than their status's cutoff (with their history), then history
-- records older than historyBefore, at most `limit` of each, in one atomic step.
-- ARGV: P, limit, historyBefore ('' = keep history), then pairs: status (completed|failed|cancelled), cutoff.
-- Returns { jobs deleted, history records deleted on their own }.
--
-- Cost: O(S · limit · log N) for S statuses, whatever the number of jobs kept:
--   jobs:    the first `limit` members of each P:f:<status> below its cutoff (scored by finish time), merged
--            oldest first; each deleted exactly as remove() deletes it (removeJob in lib.lua).
--   history: the first `limit` jobs of P:hjobs whose oldest record completed before historyBefore; from each,
--            its oldest records (its P:hist1 entry or its list's head, whichever has the smaller id)
--            go while they are older (at most `limit` in all), and the job is
--            re-scored by its new oldest record, or leaves P:hjobs when none is left. A record older than one
--            before it in the same list waits until the ones before it go (the interface allows that).
local limit = tonumber(ARGV[2])
local historyBefore = ARGV[3]

-- 0. The retention indexes are kept only once retention is in use (settle.lua checks P:meta retention). The
--    first prune switches them on and hands every job written so far to backfill.lua, in the same atomic step,
--    so no job falls between the two; it returns {-1, -1} and the client backfills, then prunes again.
if redis.call('HGET', P .. ':meta', 'retention') ~= '1' then
  redis.call('HSET', P .. ':meta', 'retention', '1')
  local last = redis.call('GET', P .. ':id')
  if last and tonumber(last) > 0 then redis.call('HSET', P .. ':meta', 'backfill:next', '1', 'backfill:last', last) end
  return { -1, -1 }
end

-- 1. Finished jobs.
local candidates = {}
for a = 4, #ARGV, 2 do
  local status, cutoff = ARGV[a], ARGV[a + 1]
  if TERMINAL[status] then
    local found = redis.call('ZRANGEBYSCORE', P .. ':f:' .. status, '-inf', '(' .. cutoff, 'WITHSCORES', 'LIMIT', 0, limit)
    for i = 1, #found, 2 do
      candidates[#candidates + 1] = { id = found[i], at = tonumber(found[i + 1]), status = status }
    end
  end
end
table.sort(candidates, function(x, y)
  if x.at ~= y.at then return x.at < y.at end
  return tonumber(x.id) < tonumber(y.id)
end)
local jobs = 0
for i = 1, math.min(limit, #candidates) do
  local c = candidates[i]
  local job = load(c.id)
  if job and job.status == c.status then
    removeJob(c.id, job)
    jobs = jobs + 1
  else
    -- Not in step (cannot happen through hourglass's scripts): drop the stray entry.
    redis.call('ZREM', P .. ':f:' .. c.status, c.id)
  end
end

-- 2. History records of the jobs that stay.
local history = 0
if historyBefore ~= '' then
  local cutoff = tonumber(historyBefore)
  local ids = redis.call('ZRANGEBYSCORE', P .. ':hjobs', '-inf', '(' .. historyBefore, 'LIMIT', 0, limit)
  for _, id in ipairs(ids) do
    if history >= limit then break end
    local oldest, where = oldestHistory(id)
    while oldest do
      local at = historyTime(oldest) or 0
      if at >= cutoff or history >= limit then
        redis.call('ZADD', P .. ':hjobs', at, id)
        break
      end
      if where == 'first' then redis.call('HDEL', P .. ':hist1', id) else redis.call('LPOP', P .. ':hist:' .. id) end
      history = history + 1
      oldest, where = oldestHistory(id)
    end
    if not oldest then redis.call('ZREM', P .. ':hjobs', id) end
  end
end

return { jobs, history }
