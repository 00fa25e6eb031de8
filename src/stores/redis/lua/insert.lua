-- insert: add jobs in order, in one atomic step.
-- ARGV: P, now, count, then per job one argument, a JSON array of 16 strings (codec.ts packArgs):
--   name, data, priority, maxAttempts, backoff, timeoutMs, repeat, repeatKey, dedupeKey, dueAt, nextRunAt, label,
--   trace, group, dedupeUntil, replace ('1' or '')
--   ('' stands for null in the nullable ones).
-- Returns per job { 1, id } for a new job (the client knows every other field), or { 0, HGETALL } for an
-- existing one (dedupe or repeat key).
local now = tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local out = {}
-- The next job id to hand out: reserved on the first new job (lib.lua reserveIds), then counted up here and
-- written back to P:id once at the end.
local nextId = nil

local function nullable(v) if v == '' then return false end return v end
-- A plain new job (no repeat, dedupe key or group) is one no later job of this call can find or change: its
-- status and due-order entries are written with the other plain jobs', one variadic ZADD per index at the end
-- (lib.lua batch()), rather than three commands a job (each redis.call costs about as much again as its command).
local plain = batch()

for i = 0, count - 1 do
  local v = cjson.decode(ARGV[4 + i])
  local spec = {
    name = v[1], data = v[2], priority = v[3], maxAttempts = nullable(v[4]),
    backoff = nullable(v[5]), timeoutMs = nullable(v[6]), ['repeat'] = nullable(v[7]),
    repeatKey = nullable(v[8]), dedupeKey = nullable(v[9]), dueAt = v[10], nextRunAt = v[11],
    label = nullable(v[12]), trace = nullable(v[13]), group = nullable(v[14]),
    dedupeUntil = nullable(v[15]), replace = v[16] == '1',
  }
  local id = nil

  -- The job holding the repeat key, if any: a repeat key names one job forever.
  local repeatId, repeatJob = nil, nil
  if spec.repeatKey then
    repeatId = redis.call('HGET', P .. ':repeat', spec.repeatKey)
    if repeatId then
      repeatJob = load(repeatId)
      if not repeatJob then
        redis.call('HDEL', P .. ':repeat', spec.repeatKey)
        repeatId = nil
      end
    end
  end
  local holder = spec.dedupeKey and dedupeHolder(spec.dedupeKey, now) or nil

  -- replace (src/core/rules/dedupe.ts): a pending one-off holder takes the new data, due time and priority; a
  -- running one gets the new job queued behind it (a new job below, the key's holder from then on).
  local queued = false
  if holder and holder ~= repeatId and spec.replace and not spec.repeatKey then
    local job = load(holder)
    if not job.repeatKey and job.status == 'pending' then
      unindex(holder, job)
      local fields = { data = spec.data, priority = spec.priority, nextRunAt = spec.nextRunAt, dueAt = spec.dueAt, updatedAt = ARGV[2] }
      save(holder, fields)
      for k, v in pairs(fields) do job[k] = v end
      index(holder, job, now)
    elseif not job.repeatKey and job.status == 'running' then
      queued = true
    end
  end

  if holder and holder ~= repeatId and not queued then
    -- A dedupe key taken by another job (live, or within its dedupeFor period) returns that job unchanged (the
    -- repeating job, if any, is not touched either: updating it would make a second holder of the key), or
    -- as replace just left it.
    id = holder
  elseif repeatId and not queued then
    -- Update the repeating job in place (every() from many processes converges here).
    id = repeatId
    local job = repeatJob
    unindex(id, job)
    local changed = job['repeat'] ~= (spec['repeat'] or nil)
    local fields = {
      name = spec.name, data = spec.data, priority = spec.priority, maxAttempts = spec.maxAttempts,
      backoff = spec.backoff, timeoutMs = spec.timeoutMs, ['repeat'] = spec['repeat'],
      dedupeKey = spec.dedupeKey, label = spec.label, trace = spec.trace, updatedAt = ARGV[2],
    }
    -- Due times change only when the repeat changed or the job had finished (a fresh cycle then).
    if changed or TERMINAL[job.status] then
      fields.nextRunAt = spec.nextRunAt; fields.dueAt = spec.dueAt
    end
    if TERMINAL[job.status] then
      -- A fresh cycle: without the lease of a run cancelled while it ran (rules/insert.ts upsertedRecord), nor
      -- the durable entries of the cycle that ended (upsertStartsCycle), deleted as trigger.lua deletes them.
      redis.call('DEL', P .. ':steps:' .. id)
      fields.status = 'pending'; fields.attempts = '0'
      fields.lockedBy, fields.lockedUntil, fields.lockToken = false, false, false
    end
    save(id, fields)
    for k, v in pairs(fields) do job[k] = v or nil end
    index(id, job, now)
  end

  if not id then
    nextId = nextId or reserveIds(P .. ':id', 1)
    id = fmt(nextId)
    nextId = nextId + 1
    local job = {
      id = id, name = spec.name, data = spec.data, status = 'pending', priority = spec.priority, attempts = '0',
      maxAttempts = spec.maxAttempts, backoff = spec.backoff, timeoutMs = spec.timeoutMs, ['repeat'] = spec['repeat'],
      repeatKey = spec.repeatKey, dedupeKey = spec.dedupeKey, dedupeUntil = spec.dedupeUntil, label = spec.label,
      trace = spec.trace, group = spec.group, dueAt = spec.dueAt, nextRunAt = spec.nextRunAt,
      createdAt = ARGV[2], updatedAt = ARGV[2],
    }
    for k, v in pairs(job) do if v == false then job[k] = nil end end
    save(id, job)
    if spec['repeat'] or spec.repeatKey or spec.dedupeKey or spec.group then index(id, job, now) else index(id, job, now, plain) end
    if spec.repeatKey then redis.call('HSET', P .. ':repeat', spec.repeatKey, id) end
    if spec.dedupeKey and spec.dedupeUntil then
      -- The job whose period ends last (the newest on a tie): no other period can outlast it.
      local last = redis.call('HGET', P .. ':dedupefor', spec.dedupeKey)
      local lastUntil = last and redis.call('HGET', jobKey(last), 'dedupeUntil')
      if not lastUntil or tonumber(spec.dedupeUntil) >= tonumber(lastUntil) then
        redis.call('HSET', P .. ':dedupefor', spec.dedupeKey, id)
      end
    end
    out[#out + 1] = { 1, id }
  else
    out[#out + 1] = { 0, redis.call('HGETALL', jobKey(id)) }
  end
end

if nextId then redis.call('SET', P .. ':id', fmt(nextId - 1)) end
plain.flush()
wake()
return out
