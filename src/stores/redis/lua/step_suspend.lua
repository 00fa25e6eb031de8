-- suspend: a run that ends waiting in the store (rules/steps.ts suspendedRecord). The settlement is applied as
-- settle.lua applies it; if the job is left pending, its entry is stored: a waiting one is first matched against
-- the events of its name sent since its `since` (delivered at once, the job due now), else the job is added to
-- P:waits:<event>.
-- ARGV: P, then one settlement as shared/settle.lua reads it, then key, entry (JSON), waiting ('1' or '0'), event
-- name, match (JSON, '' for none), since. Returns 1 when applied, 0 when the lease was lost.
local settled, a = settleJobs(2)
if settled[1] ~= 1 then return 0 end
local id, finishedAt = ARGV[3], ARGV[13]
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
