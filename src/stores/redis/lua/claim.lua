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
if #due > 0 then
  local promoted = batch()
  callMany('ZREM', P .. ':scheduled', due)
  for _, id in ipairs(due) do
    local f = redis.call('HMGET', jobKey(id), 'status', 'name', 'priority', 'nextRunAt')
    if f[1] == 'pending' then
      promoted.add('ZADD', P .. ':ready:' .. f[2], readyScore(f[3]), readyMember(f[4], id))
      promoted.add('SADD', P .. ':readynames', f[2])
    end
  end
  promoted.flush()
end

-- 3. Candidates: allowed, unpaused names with room under their caps, each with the head of its ready zset.
local paused = {}
for _, name in ipairs(redis.call('SMEMBERS', P .. ':paused')) do paused[name] = true end
local pruneEmpty = names == nil
if names == nil then names = redis.call('SMEMBERS', P .. ':readynames') end

-- Each candidate brings its first `room` (at most `limit`) ready members in one ZRANGE.
local candidates = {}
for _, name in ipairs(names) do
  if not paused[name] then
    local room = limit
    local cap = limits[name]
    if cap then
      if cap.localFree and cap.localFree < room then room = cap.localFree end
      if cap.global then
        local left = cap.global - redis.call('ZCARD', P .. ':ns:running:' .. name)
        if left < room then room = left end
      end
    end
    if room > 0 then
      local heads = redis.call('ZRANGE', P .. ':ready:' .. name, 0, room - 1, 'WITHSCORES')
      if #heads > 0 then
        candidates[#candidates + 1] = { name = name, heads = heads, next = 1 }
      elseif pruneEmpty then
        redis.call('SREM', P .. ':readynames', name)
      end
    end
  end
end

-- 4. Merge the candidates' heads, best first, until the limit is reached or they run out.
local out = {}
local changes = batch()
while #out < limit do
  local best, bestScore, bestMember = nil, nil, nil
  for _, c in ipairs(candidates) do
    if c.next < #c.heads then
      local member, score = c.heads[c.next], tonumber(c.heads[c.next + 1])
      if not best or score < bestScore or (score == bestScore and member < bestMember) then
        best, bestScore, bestMember = c, score, member
      end
    end
  end
  if not best then break end
  best.next = best.next + 2
  local name = best.name
  changes.add('ZREM', P .. ':ready:' .. name, bestMember)
  local id = idOfMember(bestMember)
  local job = load(id)
  if job and job.status == 'pending' then
    local lockedUntil = fmt(now + (lifetimes[name] or defaultLifetime))
    job.status, job.attempts, job.lastRunAt, job.updatedAt = 'running', fmt(tonumber(job.attempts) + 1), nowText, nowText
    job.lockedBy, job.lockedUntil, job.lockToken = workerId, lockedUntil, token
    redis.call('HSET', jobKey(id), 'status', 'running', 'attempts', job.attempts, 'lastRunAt', nowText,
      'lockedBy', workerId, 'lockedUntil', lockedUntil, 'lockToken', token, 'updatedAt', nowText)
    changes.add('ZREM', P .. ':s:pending', id)
    changes.add('ZREM', P .. ':ns:pending:' .. name, id)
    changes.add('ZADD', P .. ':s:running', id, id)
    changes.add('ZADD', P .. ':ns:running:' .. name, id, id)
    changes.add('ZADD', P .. ':locked', lockedUntil, id)
    out[#out + 1] = flatten(job)
  end
end
changes.flush()

wake()
return out
