-- repeat_index: add jobs written before layout 5 to P:rep (the jobs with a repeat), one chunk per call (lib.lua
-- walkIdRange: the range rep:next .. rep:last).
-- ARGV: P, chunk. Returns how many ids the range has left (0 when done).
-- A job is read as it is now, in this script; changes after its visit are indexed by the scripts themselves
-- (index()), so one visit per job is enough.
return walkIdRange('rep', tonumber(ARGV[2]), function(id)
  if redis.call('HEXISTS', jobKey(id), 'repeat') == 1 then redis.call('ZADD', P .. ':rep', id, id) end
end)
