-- process_put: write one scheduler process's record (insert or replace by id), then forget every record last
-- seen before forgetBefore, the one just written included if it is that old (Store.putProcess).
-- ARGV: P, id, record (JSON text, returned as is by listProcesses), lastSeenAt, forgetBefore.
-- Returns how many records were forgotten. O(log N + forgotten); N is the processes seen within the hour.
local records, seen = P .. ':processes', P .. ':processes:seen'
redis.call('HSET', records, ARGV[2], ARGV[3])
redis.call('ZADD', seen, ARGV[4], ARGV[2])
local before = '(' .. ARGV[5]
local gone = redis.call('ZRANGEBYSCORE', seen, '-inf', before)
if #gone > 0 then
  callMany('HDEL', records, gone)
  redis.call('ZREMRANGEBYSCORE', seen, '-inf', before)
end
return #gone
