-- finished_at: Store.finishedAt, the finish time of the finished job of one status at a rank, newest first
-- (retention's count). ARGV: P, status (completed|failed|cancelled), rank.
-- Returns the time as a string, false when there are not that many, or -1 when this call switched the retention
-- indexes on (lib.lua retentionIndexesOn): the client backfills, then asks again. One ZREVRANGE of
-- P:f:<status> (scored by finish time): O(log N + rank).
if not retentionIndexesOn() then return -1 end
local found = redis.call('ZREVRANGE', P .. ':f:' .. ARGV[2], ARGV[3], ARGV[3], 'WITHSCORES')
if #found == 0 then return false end
return found[2]
