-- Durable runs (src/core/rules/steps.ts), shared by step_suspend.lua and event_send.lua (scripts.ts prepends it).
-- Keys (see docs/stores/redis.md):
--   P:steps:<id>       hash key -> the job's entry (a StepRecord as the client's JSON text), its current cycle
--   P:events:<name>    zset of events sent: score sentAt, member "<seq, 16 digits>:<payload JSON text>"; kept
--                      EVENT_RETENTION_MS (event_send.lua forgets older ones of the name)
--   P:evseq            the last event sequence
--   P:evnames          zset of the event names that have events, scored by the oldest one kept: retention
--                      (prune_events.lua) visits only the names with an event to forget. Kept by event_send.lua;
--                      a name whose events were all sent by a version before it joins at its next send.
--   P:waits:<name>     hash job id -> key of its entry waiting for that event (dropped lazily: waitVerdict)
-- Entries and payloads stay the client's text: a payload is never re-encoded (cjson would lose its key order
-- and the digits of big numbers), only decoded to compare the fields a wait matches.

local function stepsKey(id) return P .. ':steps:' .. id end

-- rules/steps.ts matchesEvent: every field of `match` is a top-level field of the payload (an object) with an
-- equal value. Match values are scalars (strings, numbers, booleans, null: cjson.null equals itself).
local function matchesEvent(match, payload)
  if match == nil or next(match) == nil then return true end
  if type(payload) ~= 'table' then return false end
  for k, v in pairs(match) do
    local field = payload[k]
    if field == nil or field ~= v then return false end
  end
  return true
end

-- rules/steps.ts deliveredStep, on the entry's text: state done, `at` the delivery time, the payload text as its
-- result. The entry is the client's JSON.stringify of a waiting StepRecord, whose fields come in a fixed order
-- (key, kind, state, attempt, at, ...; no result): the first "state" and "at" are the record's own.
local function deliveredText(entry, payloadText, at)
  local text = string.gsub(entry, '"state":"waiting"', '"state":"done"', 1)
  text = string.gsub(text, '"at":%-?[%d.eE+]+', '"at":' .. at, 1)
  return string.sub(text, 1, -2) .. ',"result":' .. payloadText .. '}'
end

-- The first event of `name` sent at or after `since` that matches (rules/steps.ts firstMatch: by sent time,
-- then sequence, as the zset orders them). Returns its payload text, or nil.
local function firstMatch(name, match, since)
  local members = redis.call('ZRANGEBYSCORE', P .. ':events:' .. name, since, '+inf')
  for _, member in ipairs(members) do
    local payloadText = string.sub(member, 18)
    if matchesEvent(match, cjson.decode(payloadText)) then return payloadText end
  end
  return nil
end

-- A woken job (rules/steps.ts wokenRecord): due now or as early as it was, re-indexed as ready if now due.
local function wakeJob(id, now)
  local job = load(id)
  local nextRunAt = math.min(tonumber(job.nextRunAt), tonumber(now))
  unindex(id, job)
  job.nextRunAt, job.updatedAt = fmt(nextRunAt), now
  save(id, { nextRunAt = job.nextRunAt, updatedAt = now })
  index(id, job, tonumber(now))
end
