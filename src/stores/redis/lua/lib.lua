-- Shared helpers, prepended to every script by scripts.ts. Redis runs each script as one atomic unit, so
-- everything a script does here is one state change as far as any other client can tell.
--
-- ARGV[1] is always the `{prefix}` hash tag; every key is built from it (KEYS[1] is `{prefix}:meta` and only
-- routes the call to the slot). Key layout (see docs/stores/redis.md):
--   P:id            the last job id handed out        P:hid          the last history id (see reserveIds)
--   P:job:<id>      hash, one field per JobRecord property (absent field = null)
--   P:hist1         hash id -> the job's first history record (JSON). Most jobs run once, and one variadic HSET
--                   per settle call costs far less than a list key per job. The job hash's field `histed` = 1
--                   says its first record was written there (and stays when prune removes it).
--   P:hist:<id>     list of the job's later history records (JSON), in the order written. Record ids grow
--                   with time, so readers order the union of the two by id.
--   P:scheduled     zset by nextRunAt of pending jobs not yet due when they were indexed; member the id padded
--                   to 16 digits (scheduledMember, layout 9), so one due time's jobs are in id order as text too
--   P:ready:<name>  zset of due pending jobs of one name: score -priority, member "<nextRunAt>:<id>" (padded),
--                   so ZRANGE 0 0 is the next job to run: highest priority, then earliest, then oldest
--   P:heads         zset, one member per name with ready jobs in P:ready:<name>: its head (ZRANGE 0 0), scored
--                   as there, member "<readyMember>:<name>", so the zset lists the names in the claim order of
--                   their best jobs. A claim of any name (a fallback handler) reads the names in that order, as far
--                   as it can use them, never all of them. P:headof hash name -> "<score> <readyMember>" of its
--                   entry. Kept exact by every write of a ready zset (readyAdded, readyRemoved, headFromReady;
--                   layout 10; before it, P:readynames, a set of every name that may have ready jobs, was read whole)
--   P:readyat       zset of every due pending job in P:ready:<name> or P:gready:<g>, by nextRunAt, member the id
--                   padded as in P:scheduled: with P:scheduled, every pending job by due time then id, so a list of
--                   pending jobs by due time (list_pending.lua, the console's oldest waiting job) reads two ranges
--                   whatever the number of names (layout 10)
--   P:locked        zset id by lockedUntil: exactly the running jobs (lock-expiry recovery; it is also the
--                   status index of `running`, so there is no P:s:running to write twice per run)
--   P:s:<status>    zset id by id, per status but running; P:ns:<status>:<name> the same per name, running
--                   included (listJobs, countJobs, and ZCARD P:ns:running:<name> is the global running count
--                   that `limits.global` caps)
--   P:f:<status>    zset id by updatedAt (the finish time), for completed, failed and cancelled only (prune)
--   P:held:<name>   zset id by lockedUntil: jobs cancelled while running that still hold their lock (their
--                   handler may still run), so a global cap counts the ones whose lease has not ended
--                   (core's takesSlot); an entry goes when the job settles or leaves cancelled
--   P:hheads        zset id by the id of the job's oldest history record, for every job with history: its
--                   first members hold the oldest records of all (prune's history part). Layouts before 4
--                   had P:hjobs, scored by completedAt; migrate.ts moves it here (history_index.lua).
--   P:rep           zset id by id: the jobs with a repeat (JobQuery.repeating), whatever their status. Added by
--                   index() whenever it sees a repeat, removed with the job (removeJob); a job whose repeat an
--                   update cleared stays until then, so readers check the field (search.lua)
--   P:dedupe        hash dedupeKey -> id of the newest pending or running job holding it
--   P:dk:<key>      zset of the key's jobs that are pending, running, or cancelled still holding a run's lock,
--                   scored by id: what a job queued behind another of its key waits for (keyWaits; replace)
--   P:dedupefor     hash dedupeKey -> id of the job whose dedupeFor period ends last (its field dedupeUntil;
--                   it holds the key until then, live or not: src/core/rules/dedupe.ts; dedupeHolder)
--   P:repeat        hash repeatKey -> id
--   P:paused        set of paused names
--   P:lock:<name>   string owner, PX ttl (named distributed locks)
--   P:meta          hash of applied layout migrations
--   P:processes     hash scheduler id -> its ProcessRecord (JSON, as written); P:processes:seen zset id by
--                   lastSeenAt, so putProcess forgets the silent ones by range (process_put.lua)
--   P:deps:<id>     hash dependent id -> 'c' | 'r' | 'd': a workflow node's edges (shared/flow.lua)
--   P:flowkeys      hash dedupeKey -> id of the newest flow job a once node's key names, in any status
--                   (insert_flow.lua; forgotten by removeJob)
--   P:wake          pub/sub channel: published when work becomes due now
-- Groups (src/core/rules/groups.ts; <g> is groupKey(name, group), unambiguous whatever either holds):
--   P:gready:<g>    zset of one group's due pending jobs, as P:ready:<name> (grouped jobs are never in that one)
--   P:groups:<name> zset group by rotation stamp: the groups that may have due jobs, in rotation order (stamp,
--                   then group in byte order); a claim drops those it finds without any
--   P:gserved:<name> hash group -> rotation stamp (absent: never served); P:gstamp the last stamp given
--   P:rate:<g>      zset "<time>:<id>" by claim time: the claims of a global rate's key (<g> with the group, or ''
--                   for a name-wide rate and the ungrouped jobs; src/core/rules/rate.ts), trimmed to its window
--   P:rateall:<name> zset "<time>:<id>" by claim time: every claim of a globally rate-limited name, whatever its
--                   key, trimmed to the window: the earliest start of any of its windows (rate_free_at.lua)
--   P:grun:<g>      zset id by id: the group's running jobs; P:gheld:<g> as P:held:<name> for the group
--                   (their sum is what groupConcurrency caps)
--   P:glive:<g>     zset id by id: the group's pending, blocked and running jobs (layout 8; groups' upkeep)
--   P:gknown:<name> zset of the name's known groups (a job of it was pending since it was last forgotten:
--                   src/core/rules/groups.ts makesGroupKnown), all scored 0 (byte order), and
--   P:gnames        the names that have one: groups' upkeep walks them (prune_groups.lua; layout 8)
local P = ARGV[1]
local TERMINAL = { completed = true, failed = true, cancelled = true }
local woke = false

local function jobKey(id) return P .. ':job:' .. id end

-- A (name, group) as one key part: the name's length first, so no name and group can spell another pair's.
local function groupKey(name, group) return #name .. ':' .. name .. ':' .. group end

-- The statuses that keep a group known (src/core/rules/groups.ts keepsGroup; a cancelled job holding a slot is
-- in P:gheld:<g>): P:glive:<g> holds the group's jobs in them.
local GROUP_LIVE = { pending = true, blocked = true, running = true }
local knownNames = {} -- names this script already added to P:gnames

-- A group the store keeps something of, walked by groups' upkeep (prune_groups.lua).
local function knownGroup(name, group)
  redis.call('ZADD', P .. ':gknown:' .. name, 0, group)
  if not knownNames[name] then
    redis.call('ZADD', P .. ':gnames', 0, name)
    knownNames[name] = true
  end
end

-- A group that has due jobs joins its name's rotation at its stamp (0: never served).
local function groupReady(name, group)
  local served = redis.call('HGET', P .. ':gserved:' .. name, group) or '0'
  redis.call('ZADD', P .. ':groups:' .. name, served, group)
end

-- Whole numbers as plain decimal text: Lua's default number-to-string keeps only 14 digits. '%d' (a C long here)
-- rather than '%.0f': the float path of printf costs about 2.5 times as much, and this runs several times a
-- job. Every number formatted is a whole one below 2^53 (times in ms, ids, counts).
local function fmt(n) return string.format('%d', n) end

-- P:heads (above): the head entry of each name this script read or wrote, { score, member } or false (none).
local heads = {}
local function headOf(name)
  local h = heads[name]
  if h == nil then
    local v = redis.call('HGET', P .. ':headof', name)
    h = false
    if v then
      local at = string.find(v, ' ', 1, true)
      h = { score = tonumber(string.sub(v, 1, at - 1)), member = string.sub(v, at + 1) }
    end
    heads[name] = h
  end
  return h
end
-- The name's head becomes (score, member), or none (score nil).
local function setHead(name, score, member)
  local h = headOf(name)
  if h and score and h.score == score and h.member == member then return end
  if h then redis.call('ZREM', P .. ':heads', h.member .. ':' .. name) end
  if score then
    redis.call('ZADD', P .. ':heads', fmt(score), member .. ':' .. name)
    redis.call('HSET', P .. ':headof', name, fmt(score) .. ' ' .. member)
    heads[name] = { score = score, member = member }
  else
    if h then redis.call('HDEL', P .. ':headof', name) end
    heads[name] = false
  end
end
-- A job joined P:ready:<name> (score a number): it is the name's head if it comes first.
local function readyAdded(name, score, member)
  local h = headOf(name)
  if not h or score < h.score or (score == h.score and member < h.member) then setHead(name, score, member) end
end
-- The name's head read from its ready zset, after jobs left it.
local function headFromReady(name)
  local first = redis.call('ZRANGE', P .. ':ready:' .. name, 0, 0, 'WITHSCORES')
  if #first > 0 then setHead(name, tonumber(first[2]), first[1]) else setHead(name, nil) end
end
-- A job left P:ready:<name>: if it was the head, the next one is.
local function readyRemoved(name, member)
  local h = headOf(name)
  if h and h.member == member then headFromReady(name) end
end

local function load(id)
  local flat = redis.call('HGETALL', jobKey(id))
  if #flat == 0 then return nil end
  local job = {}
  for i = 1, #flat, 2 do job[flat[i]] = flat[i + 1] end
  return job
end

-- The job table back to HGETALL's flat shape, for replies (saves reading the hash again).
local function flatten(job)
  local flat = {}
  for k, v in pairs(job) do flat[#flat + 1] = k; flat[#flat + 1] = v end
  return flat
end

-- Reserve `count` ids from a counter (P:id, P:hid) and return the first. An id is never below the server's clock
-- in ms x 1024: a failover to a replica that had not received the last writes rolls the counter back, and a
-- plain INCR would then hand out again ids that clients were already given (getJob('801') returning another
-- job). Failovers take seconds, so the new master's clock is past every id issued before it (unless more than
-- 1024 ids a ms were issued for seconds on end). Ids stay whole numbers that grow in insertion order, below
-- 2^53 until the year 2248 (exact as zset scores and Lua numbers); 16 digits, as keys.ts and readyMember allow.
-- TIME makes the script non-deterministic, which Redis 7 allows (effects are replicated, not the script).
local function reserveIds(counter, count)
  local t = redis.call('TIME')
  local floor = (tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)) * 1024
  local first = math.max(tonumber(redis.call('GET', counter) or '0') + 1, floor)
  redis.call('SET', counter, fmt(first + count - 1))
  return first
end

-- Ready members sort by text within one score (one priority): padded run time, then padded id.
-- Run times before 1970 clamp to 0 (they are all long due anyway).
local function readyMember(nextRunAt, id)
  return string.format('%016d:%016d', math.max(0, tonumber(nextRunAt)), tonumber(id))
end
-- Every id reserveIds hands out has 16 digits, so its padded form is itself; only a prefix older than the
-- clock floor has shorter ones (no number needed to strip the zeros in the common case).
local function idOfMember(member)
  if string.byte(member, 18) ~= 48 then return string.sub(member, 18) end
  return fmt(tonumber(string.sub(member, 18)))
end
-- A P:scheduled member: the id padded to 16 digits, which every id reserveIds hands out already has, so the
-- member is the id itself (padding only ever changed ids of a prefix older than the clock floor: migration 009).
-- Jobs due at one time then sort by id in the zset, as the rule orders them (list_pending.lua reads a page of them
-- without reading the whole tie). idOfScheduled is its inverse.
local function scheduledMember(id)
  if #id == 16 then return id end
  return string.format('%016d', tonumber(id))
end
local function idOfScheduled(member)
  if string.byte(member, 1) ~= 48 then return member end
  return fmt(tonumber(member))
end
local function readyScore(priority) return fmt(-tonumber(priority)) end

-- The retention indexes (P:f:<status>, P:hheads) are kept only once retention is in use (settle.lua checks
-- P:meta retention). The first script that needs them (prune.lua, finished_at.lua) switches them on and hands
-- every job written so far to backfill.lua, in the same atomic step, so no job falls between the two: it gets
-- false, answers so, and the client backfills, then calls again.
local function retentionIndexesOn()
  if redis.call('HGET', P .. ':meta', 'retention') == '1' then return true end
  redis.call('HSET', P .. ':meta', 'retention', '1')
  local last = redis.call('GET', P .. ':id')
  if last and tonumber(last) > 0 then redis.call('HSET', P .. ':meta', 'backfill:next', '1', 'backfill:last', last) end
  return false
end

-- A job cancelled while it ran keeps that run's lock until it settles: it may still hold a slot (P:held:<name>).
local function holdsLock(job) return job.lockToken and job.lockToken ~= '' and job.lockedUntil and job.lockedUntil ~= '' end

local function isLive(id)
  local status = redis.call('HGET', jobKey(id), 'status')
  return status == 'pending' or status == 'running'
end

-- The id of the newest pending or running job holding a dedupe key, or nil. P:dedupe may still name a job that
-- has since finished (settle and cancel drop the entry, but a job is checked rather than trusted). A holder
-- written before P:dk existed joins it here, so a newcomer queued behind it (replace) sees it.
local function liveDedupeHolder(key)
  local holder = redis.call('HGET', P .. ':dedupe', key)
  if holder and isLive(holder) then
    redis.call('ZADD', P .. ':dk:' .. key, holder, holder)
    return holder
  end
  return nil
end

-- Whether job `id` (pending, of dedupe key `key`) waits for another job of its key (src/core/rules/dedupe.ts
-- waitsForKey): one running, or cancelled while running with its lease not ended, or an older pending one.
-- P:dk:<key> holds those few jobs.
local function keyWaits(id, key, now)
  local own = tonumber(id)
  for _, other in ipairs(redis.call('ZRANGE', P .. ':dk:' .. key, 0, -1)) do
    if other ~= id then
      local f = redis.call('HMGET', jobKey(other), 'status', 'lockToken', 'lockedUntil')
      if f[1] == 'running' then return true end
      if f[1] == 'pending' and tonumber(other) < own then return true end
      if f[1] == 'cancelled' and f[2] and f[2] ~= '' and f[3] and f[3] ~= '' and tonumber(f[3]) >= now then return true end
    end
  end
  return false
end

-- A job leaves the key's live jobs: P:dk forgets it, and if it was the holder P:dedupe names the newest live
-- job left (a running one a newcomer was queued behind), or none.
local function leaveKey(id, key)
  redis.call('ZREM', P .. ':dk:' .. key, id)
  if redis.call('HGET', P .. ':dedupe', key) ~= id then return end
  local members = redis.call('ZRANGE', P .. ':dk:' .. key, 0, -1)
  for i = #members, 1, -1 do
    if isLive(members[i]) then
      redis.call('HSET', P .. ':dedupe', key, members[i])
      return
    end
  end
  redis.call('HDEL', P .. ':dedupe', key)
end

-- The job taking a dedupe key at `now` (src/core/rules/dedupe.ts keyHolderOf): the live holder, else the job
-- P:dedupefor names while its dedupeFor period runs (checked, not trusted: a removed job holds nothing).
-- P:dedupefor names the job whose period ends last (insert.lua keeps it so), so no other period can still run.
local function dedupeHolder(key, now)
  local live = liveDedupeHolder(key)
  if live then return live end
  local id = redis.call('HGET', P .. ':dedupefor', key)
  if not id then return nil end
  local untilText = redis.call('HGET', jobKey(id), 'dedupeUntil')
  if untilText and tonumber(untilText) > now then return id end
  return nil
end

-- ZADD now, or into `b` (a batch(), below) when the caller writes its indexes once per call.
local function zadd(b, key, score, member)
  if b then b.add2('ZADD', key, score, member) else redis.call('ZADD', key, score, member) end
end

-- Add a job to the indexes its fields call for. `now` decides ready (due) versus scheduled. With `b`, its status
-- and due-order entries go into that batch, to be written with the rest of the call's (insert.lua, for jobs no
-- later step of the call can read or change).
local function index(id, job, now, b)
  local status, name = job.status, job.name
  if status ~= 'running' then zadd(b, P .. ':s:' .. status, id, id) end
  zadd(b, P .. ':ns:' .. status .. ':' .. name, id, id)
  if TERMINAL[status] then
    redis.call('ZADD', P .. ':f:' .. status, job.updatedAt, id)
    if status == 'cancelled' and holdsLock(job) then redis.call('ZADD', P .. ':held:' .. name, job.lockedUntil, id) end
  elseif status == 'pending' then
    if tonumber(job.nextRunAt) <= now and job.group then
      redis.call('ZADD', P .. ':gready:' .. groupKey(name, job.group), readyScore(job.priority), readyMember(job.nextRunAt, id))
      groupReady(name, job.group)
      redis.call('ZADD', P .. ':readyat', job.nextRunAt, scheduledMember(id))
      woke = true
    elseif tonumber(job.nextRunAt) <= now then
      local score, member = readyScore(job.priority), readyMember(job.nextRunAt, id)
      if b then b.ready(name, score, member)
      else
        redis.call('ZADD', P .. ':ready:' .. name, score, member)
        readyAdded(name, tonumber(score), member)
      end
      zadd(b, P .. ':readyat', job.nextRunAt, scheduledMember(id))
      woke = true
    else
      zadd(b, P .. ':scheduled', job.nextRunAt, scheduledMember(id))
    end
  elseif status == 'running' then
    redis.call('ZADD', P .. ':locked', job.lockedUntil, id)
  end
  if job.group then
    if status == 'running' then redis.call('ZADD', P .. ':grun:' .. groupKey(name, job.group), id, id)
    elseif status == 'cancelled' and holdsLock(job) then
      redis.call('ZADD', P .. ':gheld:' .. groupKey(name, job.group), job.lockedUntil, id)
    end
    if GROUP_LIVE[status] then redis.call('ZADD', P .. ':glive:' .. groupKey(name, job.group), id, id) end
    -- Known from its first pending job (src/core/rules/groups.ts makesGroupKnown), as in every store.
    if status == 'pending' then knownGroup(name, job.group) end
  end
  -- Insert and update index the whole job, so a repeat set by either is seen here (the member may exist).
  if job['repeat'] then redis.call('ZADD', P .. ':rep', id, id) end
  if job.group then redis.call('ZADD', P .. ':gjobs:' .. job.group, id, id) end
  if job.dedupeKey and not TERMINAL[status] then
    -- The holder is the newest live job of the key (a newcomer queued behind a running one, with replace).
    -- The callers that make a job live (insert, trigger) refuse a second holder first.
    local holder = liveDedupeHolder(job.dedupeKey)
    if not holder or tonumber(holder) < tonumber(id) then redis.call('HSET', P .. ':dedupe', job.dedupeKey, id) end
  end
  if job.dedupeKey and (not TERMINAL[status] or (status == 'cancelled' and holdsLock(job))) then
    redis.call('ZADD', P .. ':dk:' .. job.dedupeKey, id, id)
  end
end

-- Remove a job from every index its current fields put it in.
local function unindex(id, job)
  local status, name = job.status, job.name
  if status ~= 'running' then redis.call('ZREM', P .. ':s:' .. status, id) end
  redis.call('ZREM', P .. ':ns:' .. status .. ':' .. name, id)
  if TERMINAL[status] then
    redis.call('ZREM', P .. ':f:' .. status, id)
    if status == 'cancelled' and holdsLock(job) then redis.call('ZREM', P .. ':held:' .. name, id) end
  elseif status == 'pending' then
    redis.call('ZREM', P .. ':scheduled', scheduledMember(id))
    redis.call('ZREM', P .. ':readyat', scheduledMember(id))
    if job.group then redis.call('ZREM', P .. ':gready:' .. groupKey(name, job.group), readyMember(job.nextRunAt, id))
    else
      local member = readyMember(job.nextRunAt, id)
      redis.call('ZREM', P .. ':ready:' .. name, member)
      readyRemoved(name, member)
    end
  elseif status == 'running' then
    redis.call('ZREM', P .. ':locked', id)
  end
  if job.group then
    if status == 'running' then redis.call('ZREM', P .. ':grun:' .. groupKey(name, job.group), id)
    elseif status == 'cancelled' and holdsLock(job) then redis.call('ZREM', P .. ':gheld:' .. groupKey(name, job.group), id) end
    if GROUP_LIVE[status] then redis.call('ZREM', P .. ':glive:' .. groupKey(name, job.group), id) end
  end
  if job.dedupeKey then leaveKey(id, job.dedupeKey) end
end

-- Write a table of fields to the job hash: false deletes the field (null), anything else is stored.
local function save(id, fields)
  local set, del = {}, {}
  for k, v in pairs(fields) do
    if v == false then del[#del + 1] = k else set[#set + 1] = k; set[#set + 1] = v end
  end
  if #set > 0 then redis.call('HSET', jobKey(id), unpack(set)) end
  if #del > 0 then redis.call('HDEL', jobKey(id), unpack(del)) end
end

-- completedAt of a history record (or of the body the client built): the first "completedAt" key. Every
-- record is written as id, jobId, status, attempt, startedAt, completedAt, then error, result and workerId,
-- so free text (error, result) always comes after it and cannot fake it.
local function historyTime(record)
  return tonumber(string.match(record, '"completedAt":(%-?[%d.eE+]+)'))
end

-- The id of a history record (its first key, as every record is written).
local function historyId(record)
  return tonumber(string.match(record, '^{"id":"(%d+)"'))
end

-- Append a history entry (the rare paths: lock recovery, cancel; settle batches its own). `body` is the JSON
-- object the client built, without id, jobId and status. A job's first record goes to P:hist1, later ones to
-- its list. A job that had no record joins P:hheads (NX: one already there keeps its older record's id).
local function addHistory(jobId, status, body)
  local hid = fmt(reserveIds(P .. ':hid', 1))
  local head = '{"id":"' .. hid .. '","jobId":"' .. jobId .. '","status":"' .. status .. '"'
  local rest = string.sub(body, 2)
  if rest ~= '}' then head = head .. ',' end
  local first
  if redis.call('HSETNX', jobKey(jobId), 'histed', '1') == 1 then
    first = redis.call('HSETNX', P .. ':hist1', jobId, head .. rest) == 1
  else
    first = redis.call('RPUSH', P .. ':hist:' .. jobId, head .. rest) == 1
  end
  if first then redis.call('ZADD', P .. ':hheads', 'NX', hid, jobId) end
end

-- The job's oldest history record, and where it is: 'first' (P:hist1) or 'list' (the head of its list).
local function oldestHistory(id)
  local first = redis.call('HGET', P .. ':hist1', id)
  local head = redis.call('LINDEX', P .. ':hist:' .. id, 0)
  if first and (not head or historyId(first) < historyId(head)) then return first, 'first' end
  if head then return head, 'list' end
  return nil, nil
end

-- Delete a job with its history and every index entry (remove() and prune()).
local function removeJob(id, job)
  unindex(id, job)
  if job.repeatKey and redis.call('HGET', P .. ':repeat', job.repeatKey) == id then
    redis.call('HDEL', P .. ':repeat', job.repeatKey)
  end
  if job.dedupeUntil and redis.call('HGET', P .. ':dedupefor', job.dedupeKey) == id then
    redis.call('HDEL', P .. ':dedupefor', job.dedupeKey)
  end
  if job.flow and job.dedupeKey and redis.call('HGET', P .. ':flowkeys', job.dedupeKey) == id then
    redis.call('HDEL', P .. ':flowkeys', job.dedupeKey)
  end
  redis.call('ZREM', P .. ':hheads', id)
  redis.call('ZREM', P .. ':rep', id)
  if job.group then redis.call('ZREM', P .. ':gjobs:' .. job.group, id) end
  redis.call('HDEL', P .. ':hist1', id)
  redis.call('DEL', jobKey(id), P .. ':hist:' .. id, P .. ':steps:' .. id, P .. ':deps:' .. id) -- P:steps:<id>: its durable entries (shared/steps.lua); P:deps:<id> its edges (shared/flow.lua)
end

-- Tri-state patch values from the client: 'u' leave as is, 'n' null, 'v<text>' set to text.
local function patchValue(arg)
  local tag = string.sub(arg, 1, 1)
  if tag == 'u' then return nil end
  if tag == 'n' then return false end
  return string.sub(arg, 2)
end

-- Variadic commands over many members, in chunks (Lua's stack limits how many values unpack() may pass).
-- `items` is a flat list; `step` keeps pairs (score, member) together for ZADD.
-- `flag` (NX, XX, ...), when given, heads every chunk.
local function callMany(command, key, items, step, flag)
  local chunk = 512 * (step or 1)
  for i = 1, #items, chunk do
    if flag then redis.call(command, key, flag, unpack(items, i, math.min(#items, i + chunk - 1)))
    else redis.call(command, key, unpack(items, i, math.min(#items, i + chunk - 1))) end
  end
end

-- Collects index changes of a batch so each index is written once per call, not once per job:
-- add(command, key, member) and add2(command, key, score, member); flush() sends one command per key.
local function batch()
  local b, lists, order = {}, {}, {}
  local function list(command, key, step)
    local byKey = lists[command]
    if not byKey then byKey = {}; lists[command] = byKey end
    local l = byKey[key]
    if not l then
      l = { command = command, key = key, step = step }
      byKey[key] = l
      order[#order + 1] = l
    end
    return l
  end
  function b.add(command, key, member)
    local l = list(command, key, 1)
    l[#l + 1] = member
  end
  function b.add2(command, key, score, member)
    local l = list(command, key, 2)
    l[#l + 1] = score; l[#l + 1] = member
  end
  -- A job joining P:ready:<name>: written with the rest; the best of each name's is checked against its head
  -- once the zset has them.
  local readied, readiedNames = {}, {}
  function b.ready(name, score, member)
    b.add2('ZADD', P .. ':ready:' .. name, score, member)
    local r = readied[name]
    if not r then
      readied[name] = { tonumber(score), member }
      readiedNames[#readiedNames + 1] = name
    else
      local n = tonumber(score)
      if n < r[1] or (n == r[1] and member < r[2]) then r[1], r[2] = n, member end
    end
  end
  function b.flush()
    for _, l in ipairs(order) do callMany(l.command, l.key, l, l.step) end
    for _, name in ipairs(readiedNames) do readyAdded(name, readied[name][1], readied[name][2]) end
  end
  return b
end

local function wake()
  if woke then redis.call('PUBLISH', P .. ':wake', '1') end
end

-- The chunked walk of the migrations that index jobs written before them (backfill.lua, repeat_index.lua): visit
-- the jobs with ids <field>:next .. <field>:last (P:meta) in id order, at most `chunk` per call, and return how
-- many ids the range has left (0 when done; the fields are then deleted). Ids are sparse (reserveIds: a range can
-- span 10^15 numbers), so the jobs are found in the status indexes, which hold every job once: P:s:<status>
-- scored by id, and P:locked for running jobs (few: read whole). Several processes may run it at once: each call
-- takes the next chunk.
local function walkIdRange(field, chunk, visit)
  local nextText, lastText = unpack(redis.call('HMGET', P .. ':meta', field .. ':next', field .. ':last'))
  if not nextText or not lastText then return 0 end
  local first, last = tonumber(nextText), tonumber(lastText)
  local found = {}
  for _, status in ipairs({ 'pending', 'blocked', 'completed', 'failed', 'cancelled' }) do
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. ':s:' .. status, first, last, 'LIMIT', 0, chunk + 1)) do found[#found + 1] = tonumber(id) end
  end
  for _, id in ipairs(redis.call('ZRANGE', P .. ':locked', 0, -1)) do
    local n = tonumber(id)
    if n >= first and n <= last then found[#found + 1] = n end
  end
  table.sort(found)
  -- The chunk ends at the chunk-th id found: each index gave its first chunk + 1, so every id up to there is
  -- here, and more than `chunk` found says the range goes on.
  local stop = last
  if #found > chunk then stop = found[chunk] end
  for _, n in ipairs(found) do
    if n > stop then break end
    visit(fmt(n))
  end
  if stop >= last then
    redis.call('HDEL', P .. ':meta', field .. ':next', field .. ':last')
    return 0
  end
  redis.call('HSET', P .. ':meta', field .. ':next', fmt(stop + 1))
  return last - stop
end
