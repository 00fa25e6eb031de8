-- backfill: add jobs written before retention was switched on (the first prune) to the retention indexes, one
-- chunk of ids per call (lib.lua walkIdRange: the range backfill:next .. backfill:last).
-- ARGV: P, chunk. Returns how many ids the range has left (0 when done).
-- Each visit reads the job as it is now (atomically, in this script): a finished job joins P:f:<status> by
-- its updatedAt, a job with history joins P:hheads by the id of its oldest record. Jobs created after the migration,
-- and every change after a job's visit, are indexed by the scripts themselves, so visiting each id once is
-- enough; a job that changes before its visit is read in its new state.
return walkIdRange('backfill', tonumber(ARGV[2]), function(id)
  local f = redis.call('HMGET', jobKey(id), 'status', 'updatedAt')
  if f[1] and TERMINAL[f[1]] then
    redis.call('ZADD', P .. ':f:' .. f[1], f[2] or '0', id)
  end
  local oldest = oldestHistory(id)
  if oldest then redis.call('ZADD', P .. ':hheads', historyId(oldest), id) end
end)
