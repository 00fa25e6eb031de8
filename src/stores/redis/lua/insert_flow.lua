-- insertFlow: a workflow graph, in order, in one atomic step (rules/flow.ts, Store.insertFlow).
-- ARGV: P, now, count, then per job insert.lua's 14 values and:
--   flow (its JSON text, without `after`), after (the positions, 0-based, of the jobs it runs after, joined by
--   ','), afterKeys (their keys, each as a JSON string, joined by '\n'), run ('1': onDependencyFailure 'run'),
--   once ('1': FlowJob.once).
-- A job whose dedupe key a live job holds is that job (a holder taking on dependents gets a flow saying so:
-- rules/flow.ts adoptedFlow); failing that, a once job is the flow job P:flowkeys names for its key, in any
-- status. A job with dependencies is blocked, with an edge in P:deps:<parent> each, unless the dependency was
-- found completed (rules/flow.ts holdsBackAtInsert: the edge is stored done and not counted).
-- Returns per job { 1, HGETALL } for a new job, { 0, HGETALL } for a holder.
local now = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local FIELDS = 19
local out = {}
local ids = {}
local nextId = nil

local function nullable(v) if v == '' then return false end return v end
local function split(text, sep)
  local parts = {}
  if text == '' then return parts end
  local from = 1
  while true do
    local at = string.find(text, sep, from, true)
    if not at then parts[#parts + 1] = string.sub(text, from); break end
    parts[#parts + 1] = string.sub(text, from, at - 1)
    from = at + #sep
  end
  return parts
end

-- A script's writes are not undone when it fails: check every position first, so a malformed call (a job after
-- one not before it) stores nothing.
for i = 0, count - 1 do
  for _, p in ipairs(split(ARGV[3 + i * FIELDS + 16], ',')) do
    local n = tonumber(p)
    if not n or n < 0 or n >= i or n ~= math.floor(n) then return redis.error_reply('ERR insertFlow: job ' .. i .. ' runs after position ' .. p .. ', not an earlier job') end
  end
end

for i = 0, count - 1 do
  local a = 3 + i * FIELDS
  local flow, afterText, keysText, run = ARGV[a + 15], ARGV[a + 16], ARGV[a + 17], ARGV[a + 18]
  local dedupeKey = nullable(ARGV[a + 9])
  local once = dedupeKey and ARGV[a + 19] == '1'
  local holder = dedupeKey and liveDedupeHolder(dedupeKey) or nil
  if not holder and once then holder = flowKeyHolder(dedupeKey) end
  if holder then
    ids[i] = holder
    -- adoptedFlow: a holder that becomes a dependency is marked so (its settle walks its edges, keeps its result).
    if string.find(flow, '"dependents":true', 1, true) then
      local current = redis.call('HGET', jobKey(holder), 'flow')
      if not current then
        redis.call('HSET', jobKey(holder), 'flow', '{"key":' .. cjson.encode(cjson.decode(flow).key) .. ',"dependents":true}')
      elseif not string.find(current, '"dependents":true', 1, true) then
        redis.call('HSET', jobKey(holder), 'flow', string.sub(current, 1, -2) .. ',"dependents":true}')
      end
    end
    -- A once job's key names its holder from now on if it is a flow job (the newest flow job carrying it).
    if once and redis.call('HEXISTS', jobKey(holder), 'flow') == 1 then
      local named = redis.call('HGET', P .. ':flowkeys', dedupeKey)
      if not named or tonumber(named) < tonumber(holder) then redis.call('HSET', P .. ':flowkeys', dedupeKey, holder) end
    end
    out[#out + 1] = { 0, redis.call('HGETALL', jobKey(holder)) }
  else
    nextId = nextId or reserveIds(P .. ':id', count)
    local id = fmt(nextId)
    nextId = nextId + 1
    ids[i] = id
    local positions, keys = split(afterText, ','), split(keysText, '\n')
    -- Two dependencies may be one job (both deduped to it): one edge each distinct job. A dependency found
    -- completed does not hold it back (rules/flow.ts holdsBackAtInsert).
    local parents, distinct, waiting = {}, {}, 0
    for _, p in ipairs(positions) do
      local parent = ids[tonumber(p)]
      if not distinct[parent] then
        distinct[parent] = redis.call('HGET', jobKey(parent), 'status') ~= 'completed'
        parents[#parents + 1] = parent
        if distinct[parent] then waiting = waiting + 1 end
      end
    end
    if #positions > 0 then
      local pairsText = {}
      for k, p in ipairs(positions) do pairsText[k] = keys[k] .. ':"' .. ids[tonumber(p)] .. '"' end
      flow = string.sub(flow, 1, -2) .. ',"after":{' .. table.concat(pairsText, ',') .. '}}'
    end
    local job = {
      id = id, name = ARGV[a + 1], data = ARGV[a + 2], priority = ARGV[a + 3], attempts = '0',
      maxAttempts = nullable(ARGV[a + 4]), backoff = nullable(ARGV[a + 5]), timeoutMs = nullable(ARGV[a + 6]),
      ['repeat'] = nullable(ARGV[a + 7]), repeatKey = nullable(ARGV[a + 8]), dedupeKey = dedupeKey,
      dueAt = ARGV[a + 10], nextRunAt = ARGV[a + 11], label = nullable(ARGV[a + 12]), trace = nullable(ARGV[a + 13]),
      group = nullable(ARGV[a + 14]),
      createdAt = ARGV[2], updatedAt = ARGV[2], flow = flow,
      status = waiting > 0 and 'blocked' or 'pending', waitingFor = waiting > 0 and tostring(waiting) or false,
    }
    for k, v in pairs(job) do if v == false then job[k] = nil end end
    save(id, job)
    index(id, job, now)
    local state = run == '1' and 'r' or 'c'
    for _, parent in ipairs(parents) do redis.call('HSET', depsKey(parent), id, distinct[parent] and state or 'd') end
    if once then redis.call('HSET', P .. ':flowkeys', dedupeKey, id) end
    out[#out + 1] = { 1, redis.call('HGETALL', jobKey(id)) }
  end
end

if nextId then redis.call('SET', P .. ':id', fmt(nextId - 1)) end
wake()
return out
