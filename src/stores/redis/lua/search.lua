-- search: one chunk of listJobs with `text` (core/rules/query.ts: matchesText). Walks the status indexes newest
-- first below an id and keeps the jobs whose name, label, data (its JSON text, as stored) or lastError contains
-- the text, ignoring the case of A-Z only. Read only; search.ts calls it chunk after chunk until it has
-- offset + limit matches or the walk is done, so one call looks at a bounded number of jobs and bytes.
-- ARGV: P, name ('' = any), needle (lower-cased A-Z by the caller, never ''), below (look at ids below this
--       one; '' = from the newest), skip (matches still to pass over: what is left of the offset), want
--       (matches still wanted, > 0), most (jobs to look at), bytes (field bytes to read before stopping early),
--       statuses... (none = all five).
-- Reply: { next, skipped, HGETALL of each match returned... }: next is the id to continue below, '' when the
-- walk is done (no job left below, or `want` matches found); skipped is how many matches this call passed over.
local name, needle, below = ARGV[2], ARGV[3], ARGV[4]
local skip, want, most, bytes = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local statuses = {}
for i = 9, #ARGV do statuses[#statuses + 1] = ARGV[i] end
if #statuses == 0 then statuses = { 'pending', 'running', 'completed', 'failed', 'cancelled' } end

-- Lower-case A-Z and nothing else, as core's lowerAscii. string.lower is C's tolower: A-Z only in the C locale
-- Redis leaves LC_CTYPE at. Should a server fold more bytes, a table of A-Z does it instead (slower, exact).
local lower = string.lower
if lower('\192\201\222') ~= '\192\201\222' then
  local map = {}
  for b = 65, 90 do map[string.char(b)] = string.char(b + 32) end
  lower = function(s) return (string.gsub(s, '[A-Z]', map)) end
end
-- Plain find (no patterns: '%', '.', '-' are text). The four fields are joined by a NUL byte and searched at
-- once (one lower, one find): a match cannot span two fields unless the needle holds a NUL, which is then
-- looked for field by field.
local find = string.find
local whole = not find(needle, '\0', 1, true)
local function matches(f)
  if whole then return find(lower(f[1] .. '\0' .. (f[2] or '') .. '\0' .. (f[3] or '') .. '\0' .. (f[4] or '')), needle, 1, true) ~= nil end
  for i = 1, 4 do
    if f[i] and find(lower(f[i]), needle, 1, true) then return true end
  end
  return false
end

-- The newest most + 1 ids of each status below `below`, merged newest first: the first `most` are looked
-- at, and one more says whether the walk goes on. Index scores are ids, but those of P:locked (running jobs of
-- any name, scored by lock expiry): there are only as many as run at once, so it is read whole and filtered.
local max = below == '' and '+inf' or '(' .. below
local under = below == '' and math.huge or tonumber(below)
local ids, sorted, sources = {}, true, 0
for _, status in ipairs(statuses) do
  local before = #ids
  if status == 'running' and name == '' then
    for _, id in ipairs(redis.call('ZRANGE', P .. ':locked', 0, -1)) do
      if tonumber(id) < under then ids[#ids + 1] = tonumber(id) end
    end
    sorted = false
  else
    local key = name == '' and P .. ':s:' .. status or P .. ':ns:' .. status .. ':' .. name
    for _, id in ipairs(redis.call('ZREVRANGEBYSCORE', key, max, '-inf', 'LIMIT', 0, most + 1)) do ids[#ids + 1] = tonumber(id) end
  end
  if #ids > before then sources = sources + 1 end
end
-- One index read by id is in order already.
if sources > 1 or not sorted then table.sort(ids, function(x, y) return x > y end) end
local count = math.min(#ids, most)
local more = #ids > count

local reply, read, skipped = { '', 0 }, 0, 0
for i = 1, count do
  if i == 1 or ids[i] ~= ids[i - 1] then
    local id = fmt(ids[i])
    local f = redis.call('HMGET', jobKey(id), 'name', 'label', 'data', 'lastError')
    if f[1] then
      read = read + #f[1] + #(f[2] or '') + #(f[3] or '') + #(f[4] or '')
      if matches(f) then
        if skip > 0 then
          skip = skip - 1
          skipped = skipped + 1
        else
          reply[#reply + 1] = redis.call('HGETALL', jobKey(id))
          if #reply - 2 >= want then
            reply[2] = skipped
            return reply
          end
        end
      end
    end
    -- Stop early after `bytes` (large data): the next call goes on below this job.
    if read >= bytes and (i < count or more) then
      reply[1], reply[2] = id, skipped
      return reply
    end
  end
end
if more then reply[1] = fmt(ids[count]) end
reply[2] = skipped
return reply
