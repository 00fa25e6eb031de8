-- claim: recover expired locks, then lock up to `limit` due jobs for one worker, in one atomic step.
-- ARGV: P, now, workerId, lockToken, limit, lockLifetimeMs,
--       namesCount (-1 = any name), names...,
--       limitsCount, then per limit: name, localFree ('' = none), global ('' = none),
--       lifetimesCount, then per entry: name, lockLifetimeMs.
-- Returns the HGETALL of each claimed job, in claim order.
--
-- Cost: O(E + D + C + k * (C + log N)) for E expired locks (at most RECOVER_MAX), D jobs promoted from
-- `scheduled` (at most PROMOTE_MAX), C candidate names and k claimed jobs. Each candidate name contributes
-- the head of its own priority-ordered zset, so a paused name or one at its cap costs nothing however many
-- jobs it has waiting.
-- Bounds on the work one call does, so a backlog (a mass of expired locks, a burst of due jobs) is worked
-- off over several claims instead of blocking Redis in one long script.
local RECOVER_MAX = 1000
local PROMOTE_MAX = 1000
local nowText = ARGV[2]
local now = tonumber(nowText)
local workerId, token = ARGV[3], ARGV[4]
local limit = tonumber(ARGV[5])
local defaultLifetime = tonumber(ARGV[6])

-- Parse the variable-length parts of ARGV.
local a = 7
local namesCount = tonumber(ARGV[a]); a = a + 1
local names = nil
if namesCount >= 0 then
  names = {}
  for i = 1, namesCount do names[i] = ARGV[a]; a = a + 1 end
end
local limits = {}
local limitsCount = tonumber(ARGV[a]); a = a + 1
for _ = 1, limitsCount do
  limits[ARGV[a]] = { localFree = tonumber(ARGV[a + 1]), global = tonumber(ARGV[a + 2]) }
  a = a + 3
end
local lifetimes = {}
local lifetimesCount = tonumber(ARGV[a]); a = a + 1
for _ = 1, lifetimesCount do lifetimes[ARGV[a]] = tonumber(ARGV[a + 1]); a = a + 2 end

-- 1. Expired locks: the worker is gone (or stalled); put the job back and record the lost run.
local expired = redis.call('ZRANGEBYSCORE', P .. ':locked', '-inf', '(' .. nowText, 'LIMIT', 0, RECOVER_MAX)
for _, id in ipairs(expired) do
  local job = load(id)
  if job and job.status == 'running' then
    unindex(id, job)
    local lockedBy = job.lockedBy or '?'
    local reason = 'lock expired: worker ' .. lockedBy .. ' stopped renewing it'
    addHistory(id, 'failed', '{"attempt":' .. (job.attempts or '0') .. ',"startedAt":' .. (job.lastRunAt or nowText)
      .. ',"completedAt":' .. nowText .. ',"error":' .. cjson.encode(reason) .. ',"result":null,"workerId":'
      .. cjson.encode(lockedBy) .. '}')
    save(id, { status = 'pending', nextRunAt = nowText, lastError = reason, updatedAt = nowText,
      lockedBy = false, lockedUntil = false, lockToken = false })
    job.status, job.nextRunAt = 'pending', nowText
    job.lockedBy, job.lockedUntil, job.lockToken = nil, nil, nil
    index(id, job, now)
  else
    redis.call('ZREM', P .. ':locked', id)
  end
end

-- 2. Promote jobs that became due from the time-ordered zset into their name's priority-ordered zset.
local due = redis.call('ZRANGEBYSCORE', P .. ':scheduled', '-inf', nowText, 'LIMIT', 0, PROMOTE_MAX)
for _, id in ipairs(due) do
  redis.call('ZREM', P .. ':scheduled', id)
  local f = redis.call('HMGET', jobKey(id), 'status', 'name', 'priority', 'nextRunAt')
  if f[1] == 'pending' then
    redis.call('ZADD', P .. ':ready:' .. f[2], readyScore(f[3]), readyMember(f[4], id))
    redis.call('SADD', P .. ':readynames', f[2])
  end
end

-- 3. Candidates: allowed, unpaused names with room under their caps, each with the head of its ready zset.
local paused = {}
for _, name in ipairs(redis.call('SMEMBERS', P .. ':paused')) do paused[name] = true end
local pruneEmpty = names == nil
if names == nil then names = redis.call('SMEMBERS', P .. ':readynames') end

local candidates = {}
local function head(c)
  local h = redis.call('ZRANGE', P .. ':ready:' .. c.name, 0, 0, 'WITHSCORES')
  if #h == 0 then return false end
  c.member, c.score = h[1], tonumber(h[2])
  return true
end
for _, name in ipairs(names) do
  if not paused[name] then
    local room = nil
    local cap = limits[name]
    if cap then
      room = cap.localFree
      if cap.global then
        local left = cap.global - redis.call('ZCARD', P .. ':ns:running:' .. name)
        if room == nil or left < room then room = left end
      end
    end
    if room == nil or room > 0 then
      local c = { name = name, room = room }
      if head(c) then
        candidates[#candidates + 1] = c
      elseif pruneEmpty then
        redis.call('SREM', P .. ':readynames', name)
      end
    end
  end
end

-- 4. Take the best head until the limit is reached or no candidate is left.
local out = {}
while #out < limit and #candidates > 0 do
  local best = 1
  for i = 2, #candidates do
    local c, b = candidates[i], candidates[best]
    if c.score < b.score or (c.score == b.score and c.member < b.member) then best = i end
  end
  local c = candidates[best]
  redis.call('ZREM', P .. ':ready:' .. c.name, c.member)
  local id = idOfMember(c.member)
  local job = load(id)
  if job and job.status == 'pending' then
    local lockedUntil = fmt(now + (lifetimes[c.name] or defaultLifetime))
    job.status, job.attempts, job.lastRunAt, job.updatedAt = 'running', fmt(tonumber(job.attempts) + 1), nowText, nowText
    job.lockedBy, job.lockedUntil, job.lockToken = workerId, lockedUntil, token
    redis.call('HSET', jobKey(id), 'status', 'running', 'attempts', job.attempts, 'lastRunAt', nowText,
      'lockedBy', workerId, 'lockedUntil', lockedUntil, 'lockToken', token, 'updatedAt', nowText)
    redis.call('ZREM', P .. ':s:pending', id)
    redis.call('ZREM', P .. ':ns:pending:' .. c.name, id)
    redis.call('ZADD', P .. ':s:running', id, id)
    redis.call('ZADD', P .. ':ns:running:' .. c.name, id, id)
    redis.call('ZADD', P .. ':locked', lockedUntil, id)
    out[#out + 1] = flatten(job)
    if c.room then c.room = c.room - 1 end
  end
  if (c.room ~= nil and c.room <= 0) or not head(c) then table.remove(candidates, best) end
end

wake()
return out
