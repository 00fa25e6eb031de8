-- claimJobs(a): recover expired locks, then lock up to `limit` due jobs for one worker. Shared by claim.lua
-- and settle_and_claim.lua (scripts.ts prepends this file to both).
-- ARGV from a: now, workerId, lockToken, limit, lockLifetimeMs,
--   namesCount (-1 = any name), names...,
--   limitsCount, then per limit: name, localFree ('' = none), global ('' = none), groupConcurrency ('' = none),
--     rate max ('' = none), rate window ms, rate per group (1 or 0),
--   lifetimesCount, then per entry: name, lockLifetimeMs.
-- Returns, as one JSON text, an array with per claimed job, in claim order, its hash as HGETALL read it (field,
-- value, ...) with status and attempts as the claim set them and lockedUntil appended as the last pair
-- (codec.ts claimedJobs). The client knows the other fields the claim writes (lastRunAt, lockedBy, lockToken,
-- updatedAt). One JSON text rather than nested arrays: Redis converts each value of a script's reply on its way
-- out and the client parses each one, while cjson writes the text in one pass and JSON.parse reads it in one
-- (per job: ~5k fewer instructions in Redis, ~9 µs less CPU in the client).
--
-- Cost: O(E + D + C + k * (C + log N)) for E expired locks (at most RECOVER_MAX), D jobs promoted from
-- `scheduled` (at most PROMOTE_MAX), C candidate names and k claimed jobs. Each candidate name contributes
-- the head of its own priority-ordered zset, so a paused name or one at its cap costs nothing however many
-- jobs it has waiting. Per claimed job: one HGETALL, one HSET, and a share of one variadic command per index.
-- Bounds on the work one call does, so a backlog (a mass of expired locks, a burst of due jobs) is worked
-- off over several claims instead of blocking Redis in one long script.
local RECOVER_MAX = 1000
local PROMOTE_MAX = 1000
-- P:heads entries read per call by a fallback handler's claim; a name starts after "<16 digits>:<16 digits>:".
local HEAD_PAGE = 64
local HEAD_NAME_AT = 35

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
  for _, member in ipairs(due) do
    local id = idOfScheduled(member)
    local f = redis.call('HMGET', jobKey(id), 'status', 'name', 'priority', 'nextRunAt', 'group')
    if f[1] == 'pending' and f[5] then
      promoted.add2('ZADD', P .. ':gready:' .. groupKey(f[2], f[5]), readyScore(f[3]), readyMember(f[4], id))
      groupReady(f[2], f[5])
    elseif f[1] == 'pending' then
      promoted.ready(f[2], readyScore(f[3]), readyMember(f[4], id))
    end
    if f[1] == 'pending' then promoted.add2('ZADD', P .. ':readyat', f[4], member) end
  end
  promoted.flush()
end

-- A global rate's room for one key (src/core/rules/rate.ts): max less its claims in (now - per, now].
local function rateRoom(name, rate, group, now)
  local key = P .. ':rate:' .. groupKey(name, (rate.byGroup and group) or '')
  local room = rate.max - redis.call('ZCOUNT', key, '(' .. fmt(now - rate.per), '+inf')
  if room < 0 then return 0 end
  return room
end

-- 3b. A name's rotation (src/core/rules/groups.ts): its groups with due jobs in rotation order (P:groups:<name>,
--     a page at a time), each with its slots counted (only under a cap) and its first due jobs read from its
--     ready zset; a group found without any leaves the rotation until index() puts it back. The walk stops once
--     round one is full (`want` groups with room). Returns the offers in claim order (score, member, as the
--     merge reads them), each with its group, turn and ready key.
local GROUP_PAGE = 64

-- A group's first `room` due jobs (score, member pairs) that may start: those queued behind another job of
-- their dedupe key (lib.lua keyWaits; src/core/rules/dedupe.ts waitsForKey) are left out before the rotation,
-- so they take no turn and no room under the cap (rules/groups.ts), and stay in the group's ready zset. Such
-- jobs are at most one per running job of their key (replace), so the reads past them stay few. `found` is
-- false only when the zset has no job at all (the group then leaves the rotation; one whose jobs all wait
-- stays in it, since nothing re-adds it when their key frees).
local function readyNotWaiting(readyKey, room, now)
  local due, found, from = {}, false, 0
  while #due < room * 2 do
    local want = room - #due / 2
    local page = redis.call('ZRANGE', readyKey, from, from + want - 1, 'WITHSCORES')
    if #page > 0 then found = true end
    for i = 1, #page, 2 do
      local id = idOfMember(page[i])
      local f = redis.call('HMGET', jobKey(id), 'status', 'dedupeKey')
      if not (f[1] == 'pending' and f[2] and keyWaits(id, f[2], now)) then
        due[#due + 1] = page[i]; due[#due + 1] = page[i + 1]
      end
    end
    if #page < want * 2 then break end
    from = from + want
  end
  return due, found
end
local function offerGroups(name, want, cap, nowText, rate)
  local rotationKey = P .. ':groups:' .. name
  local groups, empty = {}, {}
  local start = 0
  while #groups < want do
    local page = redis.call('ZRANGE', rotationKey, start, start + GROUP_PAGE - 1)
    local now = tonumber(nowText)
    for _, group in ipairs(page) do
      local key = groupKey(name, group)
      local room = want
      if cap then
        local left = cap - redis.call('ZCARD', P .. ':grun:' .. key) - redis.call('ZCOUNT', P .. ':gheld:' .. key, nowText, '+inf')
        if left < room then room = left end
      end
      if rate and rate.byGroup then
        local left = rateRoom(name, rate, group, tonumber(nowText))
        if left < room then room = left end
      end
      if room > 0 then
        local readyKey = P .. ':gready:' .. key
        local due, found = readyNotWaiting(readyKey, room, now)
        if not found then empty[#empty + 1] = group
        elseif #due > 0 then
          groups[#groups + 1] = { group = group, due = due, readyKey = readyKey }
          if #groups >= want then break end
        end
      end
    end
    if #page < GROUP_PAGE then break end
    start = start + GROUP_PAGE
  end
  if #empty > 0 then callMany('ZREM', rotationKey, empty) end
  -- Round robin: round k offers each group's k-th job, groups in rotation order.
  local offers = {}
  local round = 0
  while #offers < want do
    local any = false
    for _, g in ipairs(groups) do
      local at = round * 2 + 1
      if at < #g.due and #offers < want then
        offers[#offers + 1] = { member = g.due[at], score = tonumber(g.due[at + 1]), group = g.group, turn = #offers, readyKey = g.readyKey }
        any = true
      end
    end
    if not any then break end
    round = round + 1
  end
  table.sort(offers, function(x, y)
    if x.score ~= y.score then return x.score < y.score end
    return x.member < y.member
  end)
  return offers
end

-- Stamp the groups whose jobs were taken, each above every stamp so far, in the order of their last job taken
-- in the rotation (rules/groups.ts servedOrder).
local function stampServed(name, taken)
  table.sort(taken, function(x, y) return x.turn < y.turn end)
  local last, order = {}, {}
  for i, t in ipairs(taken) do last[t.group] = i end
  for group, i in pairs(last) do order[#order + 1] = { group = group, i = i } end
  table.sort(order, function(x, y) return x.i < y.i end)
  for _, o in ipairs(order) do
    local stamp = redis.call('INCR', P .. ':gstamp')
    redis.call('HSET', P .. ':gserved:' .. name, o.group, stamp)
    redis.call('ZADD', P .. ':groups:' .. name, 'XX', stamp, o.group)
  end
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
  local limits, limitNames = {}, {}
  local limitsCount = tonumber(ARGV[a]); a = a + 1
  for _ = 1, limitsCount do
    -- The last entry of a name listed twice wins, as core's NameAllowance.
    local rate = nil
    if ARGV[a + 4] ~= '' then rate = { max = tonumber(ARGV[a + 4]), per = tonumber(ARGV[a + 5]), byGroup = ARGV[a + 6] == '1' } end
    limits[ARGV[a]] = { localFree = tonumber(ARGV[a + 1]), global = tonumber(ARGV[a + 2]), groups = tonumber(ARGV[a + 3]), rate = rate }
    limitNames[#limitNames + 1] = ARGV[a]
    a = a + 7
  end
  local lifetimes = {}
  local lifetimesCount = tonumber(ARGV[a]); a = a + 1
  for _ = 1, lifetimesCount do lifetimes[ARGV[a]] = tonumber(ARGV[a + 1]); a = a + 2 end

  recoverExpired(nowText, now)
  promoteDue(nowText)

  -- 3. Candidates: allowed, unpaused names with room under their caps, each with its first `room` (at most
  --    `limit`) ready members from one ZRANGE. A claim of any name (a fallback handler) lists here the names
  --    whose caps or rotation apply (limits, and P:gnames: those with groups); its other names join the merge
  --    (4) from P:heads, in the order of their best jobs, only while one could come next (`fromHeads`).
  local paused = {}
  for _, name in ipairs(redis.call('SMEMBERS', P .. ':paused')) do paused[name] = true end
  local anyName = names == nil
  local listed = {}
  if anyName then
    names = {}
    for _, name in ipairs(limitNames) do names[#names + 1] = name end
    for _, name in ipairs(redis.call('ZRANGE', P .. ':gnames', 0, -1)) do names[#names + 1] = name end
  end
  local candidates = {}
  local left = {} -- per name: how many more it may take (shared by its ungrouped and grouped candidates)
  for _, name in ipairs(names) do
    if not paused[name] and not listed[name] then
      listed[name] = true
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
        -- A name-wide global rate: its room in the window now.
        if cap.rate and not cap.rate.byGroup then
          local left = rateRoom(name, cap.rate, nil, now)
          if left < room then room = left end
        end
      end
      if room > 0 then
        left[name] = room
        local readyKey = P .. ':ready:' .. name
        -- With a rate per group, the ungrouped jobs share one window.
        local plain = room
        if cap and cap.rate and cap.rate.byGroup then plain = math.min(room, rateRoom(name, cap.rate, nil, now)) end
        local heads = {}
        if plain > 0 then heads = redis.call('ZRANGE', readyKey, 0, plain - 1, 'WITHSCORES') end
        local lockedUntil = fmt(now + (lifetimes[name] or defaultLifetime))
        if #heads > 0 then
          candidates[#candidates + 1] = {
            name = name, heads = heads, next = 1, readyKey = readyKey, ids = {}, pairs = {}, lockedUntil = lockedUntil,
            room = plain, claimed = 0, waiting = {},
          }
        end
        -- Its grouped jobs: what its rotation offers, as one more candidate in claim order (3b).
        local offers = {}
        if redis.call('EXISTS', P .. ':groups:' .. name) == 1 then
          offers = offerGroups(name, room, cap and cap.groups, nowText, cap and cap.rate)
        end
        if #offers > 0 then
          local offerHeads = {}
          for _, o in ipairs(offers) do offerHeads[#offerHeads + 1] = o.member; offerHeads[#offerHeads + 1] = o.score end
          candidates[#candidates + 1] = {
            name = name, heads = offerHeads, offers = offers, next = 1, ids = {}, pairs = {}, lockedUntil = lockedUntil, taken = {},
          }
        end
      end
    end
  end

  -- A candidate that stepped over jobs queued behind their dedupe key (keyWaits, below) and ran out of heads
  -- before its room reads its next page. Such jobs are at most one per running job of their key (replace), so
  -- the claim never steps over more than that.
  -- (A grouped candidate never steps over any: offerGroups leaves those jobs out before the rotation.)
  local function nextPage(c)
    if not c.waiting or #c.waiting == 0 or c.done or c.claimed >= c.room or left[c.name] <= 0 then return false end
    local from = #c.heads / 2
    local page = redis.call('ZRANGE', c.readyKey, from, from + math.min(c.room - c.claimed, left[c.name]) - 1, 'WITHSCORES')
    if #page == 0 then c.done = true; return false end
    for _, v in ipairs(page) do c.heads[#c.heads + 1] = v end
    return true
  end

  -- 4. Merge the candidates' heads, best first, until the limit is reached or they run out. The members a
  --    candidate gives up are always a prefix of its heads, so its ready zset loses them by rank at the end
  --    (the ones that wait for their dedupe key go back).
  -- A fallback handler's other names, from P:heads in the order of their heads: the next entry not yet a
  -- candidate. Its name's jobs cannot come before its head, so a name is read only once its head could be the
  -- next job taken: a claim reads about as many names as it takes jobs, whatever their number. Paused names (and
  -- those already listed) are stepped over, one entry each.
  local headPage, headAt, headFrom, headsDone, stale = {}, 1, 0, not anyName, {}
  local function nextHead()
    while not headsDone do
      if headAt > #headPage then
        headPage = redis.call('ZRANGE', P .. ':heads', headFrom, headFrom + HEAD_PAGE - 1, 'WITHSCORES')
        headFrom, headAt = headFrom + HEAD_PAGE, 1
        if #headPage == 0 then headsDone = true; return nil end
      end
      local entry = headPage[headAt]
      local name = string.sub(entry, HEAD_NAME_AT)
      if not paused[name] and not listed[name] then
        return name, tonumber(headPage[headAt + 1]), string.sub(entry, 1, HEAD_NAME_AT - 2)
      end
      headAt = headAt + 2
    end
    return nil
  end
  local function fromHeads()
    local name = nextHead()
    headAt = headAt + 2
    listed[name] = true
    left[name] = limit
    local readyKey = P .. ':ready:' .. name
    local heads = redis.call('ZRANGE', readyKey, 0, limit - 1, 'WITHSCORES')
    -- Never without jobs while P:heads is kept exact; should it ever be, the entry goes after the merge (not
    -- now: the pages of P:heads are read by rank).
    if #heads == 0 then stale[#stale + 1] = name return end
    candidates[#candidates + 1] = {
      name = name, heads = heads, next = 1, readyKey = readyKey, ids = {}, pairs = {},
      lockedUntil = fmt(now + (lifetimes[name] or defaultLifetime)), room = limit, claimed = 0, waiting = {},
    }
  end

  local out = {}
  local ids, lockPairs, atMembers = {}, {}, {}
  local rated = {} -- rate keys trimmed by this claim
  local single = not anyName and #candidates == 1 and candidates[1] or nil
  while #out < limit do
    local best, bestMember = single, nil
    if single then
      if single.next >= #single.heads and not nextPage(single) then break end
      bestMember = single.heads[single.next]
    else
      local bestScore
      while true do
        best = nil
        for _, c in ipairs(candidates) do
          if c.next >= #c.heads then nextPage(c) end
          -- A name with no room left gives nothing more: its candidates stop where they are.
          if c.next < #c.heads and left[c.name] > 0 then
            local member, score = c.heads[c.next], tonumber(c.heads[c.next + 1])
            if not best or score < bestScore or (score == bestScore and member < bestMember) then
              best, bestScore, bestMember = c, score, member
            end
          end
        end
        -- A name not yet read whose head comes first joins, and the merge looks again.
        local headName, headScore, headMember = nextHead()
        if not headName or (best and (bestScore < headScore or (bestScore == headScore and bestMember < headMember))) then break end
        fromHeads()
      end
      if not best then break end
    end
    local offer = best.offers and best.offers[(best.next + 1) / 2]
    best.next = best.next + 2
    local id = idOfMember(bestMember)
    local key = P .. ':job:' .. id
    -- The whole hash: one argument instead of a field list (each argument a redis.call converts costs about as
    -- much as a short reply value), and a job has fewer fields set than it could have.
    local f = redis.call('HGETALL', key)
    local atStatus, atAttempts, dedupeKey
    for j = 1, #f, 2 do
      local field = f[j]
      if field == 'status' then atStatus = j + 1
      elseif field == 'attempts' then atAttempts = j + 1
      elseif field == 'dedupeKey' then dedupeKey = f[j + 1] end
    end
    local status = atStatus and f[atStatus]
    if not offer and status == 'pending' and dedupeKey and keyWaits(id, dedupeKey, now) then
      -- Queued behind another job of its dedupe key (src/core/rules/dedupe.ts waitsForKey): stays ready.
      local w = best.waiting
      w[#w + 1] = best.heads[best.next - 1]; w[#w + 1] = bestMember
    elseif status == 'pending' then
      if not offer then best.claimed = best.claimed + 1 end
      local attempts = fmt(tonumber(atAttempts and f[atAttempts] or '0') + 1)
      local lockedUntil = best.lockedUntil
      redis.call('HSET', key, 'status', 'running', 'attempts', attempts, 'lastRunAt', nowText,
        'lockedBy', workerId, 'lockedUntil', lockedUntil, 'lockToken', token, 'updatedAt', nowText)
      -- The reply: the hash as read, with what the claim changed; lockedUntil last (codec.ts claimedJob).
      f[atStatus] = 'running'
      if atAttempts then f[atAttempts] = attempts else f[#f + 1] = 'attempts'; f[#f + 1] = attempts end
      f[#f + 1] = 'lockedUntil'; f[#f + 1] = lockedUntil
      out[#out + 1] = f
      ids[#ids + 1] = id
      atMembers[#atMembers + 1] = scheduledMember(id)
      lockPairs[#lockPairs + 1] = lockedUntil; lockPairs[#lockPairs + 1] = id
      local c = best.ids
      c[#c + 1] = id
      c = best.pairs
      c[#c + 1] = id; c[#c + 1] = id
      left[best.name] = left[best.name] - 1
      local rate = limits[best.name] and limits[best.name].rate
      if rate then
        local key = P .. ':rate:' .. groupKey(best.name, (rate.byGroup and offer and offer.group) or '')
        if not rated[key] then
          rated[key] = true
          redis.call('ZREMRANGEBYSCORE', key, '-inf', fmt(now - rate.per))
        end
        -- One member per claim, never per job: a job released or retried and claimed again in the same
        -- millisecond is another claim in the window (rules/rate.ts), so the claim's token is in the member.
        local member = nowText .. ':' .. id .. ':' .. token
        redis.call('ZADD', key, nowText, member)
        -- Every claim of the name, whatever its key, so Store.rateFreeAt finds the earliest start in any of its
        -- windows with one read (rate_free_at.lua), however many groups it has.
        local all = P .. ':rateall:' .. best.name
        if not rated[all] then
          rated[all] = true
          redis.call('ZREMRANGEBYSCORE', all, '-inf', fmt(now - rate.per))
        end
        redis.call('ZADD', all, nowText, member)
      end
      if offer then
        redis.call('ZREM', offer.readyKey, bestMember)
        redis.call('ZADD', P .. ':grun:' .. groupKey(best.name, offer.group), id, id)
        best.taken[#best.taken + 1] = offer
      end
    elseif offer then
      -- Not pending any more (an index left behind): off its group's ready zset.
      redis.call('ZREM', offer.readyKey, bestMember)
      atMembers[#atMembers + 1] = scheduledMember(id)
    elseif status ~= 'pending' then
      -- Likewise (its ready zset loses it with the claim's prefix, below).
      atMembers[#atMembers + 1] = scheduledMember(id)
    end
  end

  -- 5. Each index written once: pending -> running, and the taken heads off each ready zset.
  for _, c in ipairs(candidates) do
    if c.offers then
      if #c.taken > 0 then stampServed(c.name, c.taken) end
    end
    if c.next > 1 then
      if not c.offers then
        redis.call('ZREMRANGEBYRANK', c.readyKey, 0, (c.next - 1) / 2 - 1)
        if #c.waiting > 0 then callMany('ZADD', c.readyKey, c.waiting, 2) end
        headFromReady(c.name)
      end
      if #c.ids > 0 then
        callMany('ZREM', P .. ':ns:pending:' .. c.name, c.ids)
        callMany('ZADD', P .. ':ns:running:' .. c.name, c.pairs, 2)
      end
    end
  end
  for _, name in ipairs(stale) do headFromReady(name) end
  if #atMembers > 0 then callMany('ZREM', P .. ':readyat', atMembers) end
  if #ids > 0 then
    callMany('ZREM', P .. ':s:pending', ids)
    callMany('ZADD', P .. ':locked', lockPairs, 2) -- also the index of status running (lib.lua)
  end
  if #out == 0 then return '[]' end -- cjson writes an empty table as {}
  return cjson.encode(out)
end
