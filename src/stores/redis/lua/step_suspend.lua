-- suspend: a run that ends waiting in the store (rules/steps.ts suspendedRecord). The settlement is applied as
-- settle.lua applies it; if the job is left pending, its entry is stored: a waiting one is first matched against
-- the events of its name sent since its `since` (delivered at once, the job due now), else the job is added to
-- P:waits:<event>.
-- ARGV: P, then one settlement as shared/settle.lua reads it (its count, 1, then the settlement packed), then key, entry (JSON), waiting ('1' or '0'), event
-- name, match (JSON, '' for none), since. Returns 1 when applied (now or before), 0 when the lease was lost.
local settlement = cjson.decode(ARGV[3])
local id, finishedAt = settlement[1], settlement[11]
-- Not held by this run: settleJobs writes nothing and answers whether this run's outcome was applied before (a
-- suspension resent after its answer was lost answers 1); its entry is not written again either.
local f = redis.call('HMGET', jobKey(id), 'status', 'lockToken')
local held = f[2] == settlement[2] and (f[1] == 'running' or f[1] == 'cancelled')
local settled, a = settleJobs(2)
if settled[1] ~= 1 or not held then return settled[1] end
local key, entry, waiting, event, matchText, since = ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5]
if redis.call('HGET', jobKey(id), 'status') ~= 'pending' then
  wake()
  return 1
end
if waiting == '1' then
  local match = matchText ~= '' and cjson.decode(matchText) or nil
  local payloadText = firstMatch(event, match, since)
  if payloadText then
    entry = deliveredText(entry, payloadText, finishedAt)
    wakeJob(id, finishedAt)
  else
    redis.call('HSET', P .. ':waits:' .. event, id, key)
  end
end
redis.call('HSET', stepsKey(id), key, entry)
wake()
return 1
