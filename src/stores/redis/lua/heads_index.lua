-- heads_index: fold up to a chunk of P:readynames (layout 9 and before: every name that may have ready jobs) into
-- layout 10's indexes, one short script per chunk: each name's head into P:heads, and its ready jobs, grouped or
-- not, into P:readyat (lib.lua). SPOP takes the names off the set, so processes folding at once share the work
-- and a fold cut short goes on at the next start. A name whose ready zsets are empty gets nothing. A name's ready
-- jobs are copied in one script (a name with a million ready jobs holds the server for a second or two, once).
-- ARGV: P, chunk. Returns how many names are left.
local function copyReady(key)
  local entries = {}
  for _, member in ipairs(redis.call('ZRANGE', key, 0, -1)) do
    -- "<nextRunAt>:<id>", each padded to 16 digits (readyMember): the P:readyat member is the padded id. Its score
    -- is read from the job: the member's due time is clamped at 0 for times before 1970.
    local id = idOfMember(member)
    entries[#entries + 1] = redis.call('HGET', jobKey(id), 'nextRunAt') or string.sub(member, 1, 16)
    entries[#entries + 1] = scheduledMember(id)
  end
  if #entries > 0 then callMany('ZADD', P .. ':readyat', entries, 2) end
end
for _, name in ipairs(redis.call('SPOP', P .. ':readynames', tonumber(ARGV[2]))) do
  headFromReady(name)
  copyReady(P .. ':ready:' .. name)
  for _, group in ipairs(redis.call('ZRANGE', P .. ':groups:' .. name, 0, -1)) do copyReady(P .. ':gready:' .. groupKey(name, group)) end
end
return redis.call('SCARD', P .. ':readynames')
