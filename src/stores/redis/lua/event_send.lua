-- sendEvent: store an event (forgetting its name's events older than the retention), then wake every pending
-- job waiting for it whose match the payload satisfies (rules/steps.ts waitVerdict, deliveredStep, wokenRecord):
-- one atomic step, reading only P:waits:<name>.
-- ARGV: P, name, payload (JSON), now, forget before. Returns the number of jobs woken.
local name, payloadText, now, cutoff = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local events = P .. ':events:' .. name
redis.call('ZREMRANGEBYSCORE', events, '-inf', '(' .. cutoff)
local seq = redis.call('INCR', P .. ':evseq')
redis.call('ZADD', events, now, string.format('%016d', seq) .. ':' .. payloadText)
-- The name's oldest event kept, for retention of events (prune_events.lua).
local oldest = redis.call('ZRANGE', events, 0, 0, 'WITHSCORES')
redis.call('ZADD', P .. ':evnames', oldest[2], name)
local payload = cjson.decode(payloadText)
local waitsKey = P .. ':waits:' .. name
local flat = redis.call('HGETALL', waitsKey)
local woken = 0
for i = 1, #flat, 2 do
  local id, key = flat[i], flat[i + 1]
  local status = redis.call('HGET', jobKey(id), 'status')
  local entry = redis.call('HGET', stepsKey(id), key)
  local verdict = 'drop'
  if status and entry then
    local step = cjson.decode(entry)
    if step.kind == 'wait' and step.state == 'waiting' and step.event == name then
      if status == 'running' then verdict = 'keep'
      elseif status == 'pending' then verdict = matchesEvent(step.match, payload) and 'wake' or 'keep' end
    end
  end
  if verdict ~= 'keep' then
    redis.call('HDEL', waitsKey, id)
    if verdict == 'wake' then
      redis.call('HSET', stepsKey(id), key, deliveredText(entry, payloadText, now))
      wakeJob(id, now)
      woken = woken + 1
    end
  end
end
wake()
return woken
