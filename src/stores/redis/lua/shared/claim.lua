-- claimJobs(a): recover expired locks, then lock up to `limit` due jobs for one worker. Shared by claim.lua
-- and settle_and_claim.lua (scripts.ts prepends this file to both).
-- ARGV from a: now, workerId, lockToken, limit, lockLifetimeMs,
--   namesCount (-1 = any name), names...,
--   limitsCount, then per limit: name, localFree ('' = none), global ('' = none),
--   lifetimesCount, then per entry: name, lockLifetimeMs.
-- Returns per claimed job, in claim order, the values of CLAIM_FIELDS (defined by scripts.ts from codec.ts;
-- false = absent) with status and attempts as the claim set them, then lockedUntil. The client knows the
-- other fields the claim writes (lastRunAt, lockedBy, lockToken, updatedAt), so they are not read back.
--
-- Cost: O(E + D + C + k * (C + log N)) for E expired locks (at most RECOVER_MAX), D jobs promoted from
-- `scheduled` (at most PROMOTE_MAX), C candidate names and k claimed jobs. Each candidate name contributes
-- the head of its own priority-ordered zset, so a paused name or one at its cap costs nothing however many
-- jobs it has waiting. Per claimed job: one HMGET, one HSET, and a share of one variadic command per index.
-- Bounds on the work one call does, so a backlog (a mass of expired locks, a burst of due jobs) is worked
-- off over several claims instead of blocking Redis in one long script.
local RECOVER_MAX = 1000
local PROMOTE_MAX = 1000

-- 1. Expired locks: the worker is gone (or stalled); put the job back and record the lost run.
local function recoverExpired(nowText, now)
  local expired = redis.call('ZRANGEBYSCORE', P .. ':locked', '-inf', '(' .. nowText, 'LIMIT', 0, RECOVER_MAX)
  -- In job insertion (id) order, as core's model writes their history records, not in lock-expiry order:
  -- prune takes history oldest first by insertion. (Beyond RECOVER_MAX, the earliest expiries come first.)
  table.sort(expired, function(x, y) return tonumber(x) < tonumber(y) end)
  for _, id in ipairs(expired) do
    local job = load(id)
    if job and job.status == 'running' then
      unindex(id, job)
      local lockedBy = job.lockedBy or '?'
      -- core's lostRunMessage (scripts.ts)
      local reason = job.lockedBy and (LOST_RUN_BEFORE .. job.lockedBy .. LOST_RUN_AFTER) or LOST_RUN_UNKNOWN
      addHistory(id, 'failed', '{"attempt":' .. (job.attempts or '0') .. ',"startedAt":' .. (job.lastRunAt or nowText)
        .. ',"completedAt":' .. nowText .. ',"error":' .. cjson.encode(reason) .. ',"stack":null,"result":null,"workerId":'
        .. cjson.encode(lockedBy) .. '}')
      -- The lost run's error has no stack: an earlier attempt's goes with its message (one HDEL with the lock).
      save(id, { status = 'pending', nextRunAt = nowText, lastError = reason, lastErrorStack = false, updatedAt = nowText,
        lockedBy = false, lockedUntil = false, lockToken = false })
      job.status, job.nextRunAt = 'pending', nowText
      job.lockedBy, job.lockedUntil, job.lockToken = nil, nil, nil
      index(id, job, now)
    else
      redis.call('ZREM', P .. ':locked', id)
    end
  end
end

-- 2. Promote jobs that became due from the time-ordered zset into their name's priority-ordered zset.
local function promoteDue(nowText)
  local due = redis.call('ZRANGEBYSCORE', P .. ':scheduled', '-inf', nowText, 'LIMIT', 0, PROMOTE_MAX)
  if #due == 0 then return end
  local promoted = batch()
  callMany('ZREM', P .. ':scheduled', due)
  for _, id in ipairs(due) do
    local f = redis.call('HMGET', jobKey(id), 'status', 'name', 'priority', 'nextRunAt')
    if f[1] == 'pending' then
      promoted.add2('ZADD', P .. ':ready:' .. f[2], readyScore(f[3]), readyMember(f[4], id))
      promoted.add('SADD', P .. ':readynames', f[2])
    end
  end
  promoted.flush()
end

local function claimJobs(a)
  local nowText = ARGV[a]
  local now = tonumber(nowText)
  local workerId, token = ARGV[a + 1], ARGV[a + 2]
  local limit = tonumber(ARGV[a + 3])
  local defaultLifetime = tonumber(ARGV[a + 4])
  a = a + 5
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

  recoverExpired(nowText, now)
  promoteDue(nowText)

  -- 3. Candidates: allowed, unpaused names with room under their caps, each with its first `room` (at most
  --    `limit`) ready members from one ZRANGE.
  local paused = {}
  for _, name in ipairs(redis.call('SMEMBERS', P .. ':paused')) do paused[name] = true end
  local pruneEmpty = names == nil
  if names == nil then names = redis.call('SMEMBERS', P .. ':readynames') end
  local candidates = {}
  for _, name in ipairs(names) do
    if not paused[name] then
      local room = limit
      local cap = limits[name]
      if cap then
        if cap.localFree and cap.localFree < room then room = cap.localFree end
        if cap.global then
          -- Running jobs, and jobs cancelled while running whose lease has not ended (core's takesSlot).
          local left = cap.global - redis.call('ZCARD', P .. ':ns:running:' .. name)
            - redis.call('ZCOUNT', P .. ':held:' .. name, nowText, '+inf')
          if left < room then room = left end
        end
      end
      if room > 0 then
        local readyKey = P .. ':ready:' .. name
        local heads = redis.call('ZRANGE', readyKey, 0, room - 1, 'WITHSCORES')
        if #heads > 0 then
          candidates[#candidates + 1] = {
            name = name, heads = heads, next = 1, readyKey = readyKey, ids = {}, pairs = {},
            lockedUntil = fmt(now + (lifetimes[name] or defaultLifetime)),
            room = room, taken = 0, waiting = {},
          }
        elseif pruneEmpty then
          redis.call('SREM', P .. ':readynames', name)
        end
      end
    end
  end

  -- A candidate that stepped over jobs queued behind their dedupe key (keyWaits, below) and ran out of heads
  -- before its room reads its next page. Such jobs are at most one per running job of their key (replace), so
  -- the claim never steps over more than that.
  local function nextPage(c)
    if #c.waiting == 0 or c.done or c.taken >= c.room then return false end
    local from = #c.heads / 2
    local page = redis.call('ZRANGE', c.readyKey, from, from + (c.room - c.taken) - 1, 'WITHSCORES')
    if #page == 0 then c.done = true; return false end
    for _, v in ipairs(page) do c.heads[#c.heads + 1] = v end
    return true
  end

  -- 4. Merge the candidates' heads, best first, until the limit is reached or they run out. The members a
  --    candidate gives up are always a prefix of its heads, so its ready zset loses them by rank at the end
  --    (the ones that wait for their dedupe key go back).
  local out = {}
  local ids, lockPairs = {}, {}
  local single = #candidates == 1 and candidates[1] or nil
  while #out < limit do
    local best, bestMember = single, nil
    if single then
      if single.next >= #single.heads and not nextPage(single) then break end
      bestMember = single.heads[single.next]
    else
      local bestScore
      best = nil
      for _, c in ipairs(candidates) do
        if c.next >= #c.heads then nextPage(c) end
        if c.next < #c.heads then
          local member, score = c.heads[c.next], tonumber(c.heads[c.next + 1])
          if not best or score < bestScore or (score == bestScore and member < bestMember) then
            best, bestScore, bestMember = c, score, member
          end
        end
      end
      if not best then break end
    end
    best.next = best.next + 2
    local id = idOfMember(bestMember)
    local key = P .. ':job:' .. id
    local f = redis.call('HMGET', key, unpack(CLAIM_FIELDS))
    if f[1] == 'pending' and f[CLAIM_DEDUPE] and keyWaits(id, f[CLAIM_DEDUPE], now) then
      -- Queued behind another job of its dedupe key (src/core/rules/dedupe.ts waitsForKey): stays ready.
      local w = best.waiting
      w[#w + 1] = best.heads[best.next - 1]; w[#w + 1] = bestMember
    elseif f[1] == 'pending' then
      best.taken = best.taken + 1
      local attempts = fmt(tonumber(f[CLAIM_ATTEMPTS]) + 1)
      local lockedUntil = best.lockedUntil
      redis.call('HSET', key, 'status', 'running', 'attempts', attempts, 'lastRunAt', nowText,
        'lockedBy', workerId, 'lockedUntil', lockedUntil, 'lockToken', token, 'updatedAt', nowText)
      f[1], f[CLAIM_ATTEMPTS], f[#CLAIM_FIELDS + 1] = 'running', attempts, lockedUntil
      out[#out + 1] = f
      ids[#ids + 1] = id
      lockPairs[#lockPairs + 1] = lockedUntil; lockPairs[#lockPairs + 1] = id
      local c = best.ids
      c[#c + 1] = id
      c = best.pairs
      c[#c + 1] = id; c[#c + 1] = id
    end
  end

  -- 5. Each index written once: pending -> running, and the taken heads off each ready zset.
  for _, c in ipairs(candidates) do
    if c.next > 1 then
      redis.call('ZREMRANGEBYRANK', c.readyKey, 0, (c.next - 1) / 2 - 1)
      if #c.waiting > 0 then callMany('ZADD', c.readyKey, c.waiting, 2) end
      if #c.ids > 0 then
        callMany('ZREM', P .. ':ns:pending:' .. c.name, c.ids)
        callMany('ZADD', P .. ':ns:running:' .. c.name, c.pairs, 2)
      end
    end
  end
  if #ids > 0 then
    callMany('ZREM', P .. ':s:pending', ids)
    callMany('ZADD', P .. ':locked', lockPairs, 2) -- also the index of status running (lib.lua)
  end
  return out
end
