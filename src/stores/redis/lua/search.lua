-- search: one chunk of a walk through jobs in insertion order, for the lists no index answers whole
-- (search.ts): a text (core/rules/query.ts matchesText), repeating jobs (P:rep), or an order other than
-- insertion (the walk then returns each match's value of that field, and search.ts keeps the page). Walks the
-- status indexes (or P:rep) past a cursor, newest or oldest first, and keeps the jobs that pass every filter.
-- Read only; search.ts calls it chunk after chunk, so one call looks at a bounded number of jobs and bytes.
-- ARGV: P, name ('' = any), needle (lower-cased A-Z by the caller; '' = no text filter), cursor (look at ids
--       past this one in walk order; '' = from the start), skip (matches still to pass over: what is left of
--       the offset), want (matches still wanted, > 0), most (jobs to look at), bytes (field bytes to read before
--       stopping early), dir ('desc' | 'asc'), repeating ('1': only jobs with a repeat, walking P:rep),
--       field ('' = reply with each match's HGETALL; else reply with its id and this field's value, '' for
--       none, with skip and want not applied), group ('' = any; else walk P:gjobs:<group>, that group's jobs),
--       statuses... (none = all).
-- Reply: { next, skipped, match... }: next is the id to continue past, '' when the walk is done (no job left,
-- or `want` matches found); skipped is how many matches this call passed over; a match is an HGETALL, or an
-- id followed by its value.
local name, needle, cursor = ARGV[2], ARGV[3], ARGV[4]
local skip, want, most, bytes = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local asc, repeating, field, group = ARGV[9] == 'asc', ARGV[10] == '1', ARGV[11], ARGV[12]
local statuses = {}
for i = 13, #ARGV do statuses[#statuses + 1] = ARGV[i] end
if #statuses == 0 then statuses = { 'pending', 'running', 'completed', 'failed', 'cancelled', 'blocked' } end
local wanted = {}
for _, status in ipairs(statuses) do wanted[status] = true end

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

-- The first most + 1 ids past the cursor, in walk order: the first `most` are looked at, and one more says
-- whether the walk goes on. Index scores are ids, but those of P:locked (running jobs of any name, scored by
-- lock expiry): there are only as many as run at once, so it is read whole and filtered.
local bound = cursor == '' and (asc and '-inf' or '+inf') or '(' .. cursor
local past = cursor == '' and (asc and -math.huge or math.huge) or tonumber(cursor)
local function range(key)
  if asc then return redis.call('ZRANGEBYSCORE', key, bound, '+inf', 'LIMIT', 0, most + 1) end
  return redis.call('ZREVRANGEBYSCORE', key, bound, '-inf', 'LIMIT', 0, most + 1)
end
local ids, sorted, sources = {}, true, 0
-- One index that is not by status (a group's jobs, or the repeating ones): the fields filter what it holds.
local byIndex = repeating or group ~= ''
if group ~= '' then
  for _, id in ipairs(range(P .. ':gjobs:' .. group)) do ids[#ids + 1] = tonumber(id) end
elseif repeating then
  for _, id in ipairs(range(P .. ':rep')) do ids[#ids + 1] = tonumber(id) end
else
  for _, status in ipairs(statuses) do
    local before = #ids
    if status == 'running' and name == '' then
      for _, id in ipairs(redis.call('ZRANGE', P .. ':locked', 0, -1)) do
        local n = tonumber(id)
        if (asc and n > past) or (not asc and n < past) then ids[#ids + 1] = n end
      end
      sorted = false
    else
      local key = name == '' and P .. ':s:' .. status or P .. ':ns:' .. status .. ':' .. name
      for _, id in ipairs(range(key)) do ids[#ids + 1] = tonumber(id) end
    end
    if #ids > before then sources = sources + 1 end
  end
end
-- One index read by id is in order already.
if sources > 1 or not sorted then
  if asc then table.sort(ids) else table.sort(ids, function(x, y) return x > y end) end
end
local count = math.min(#ids, most)
local more = #ids > count

-- The fields each job is read for: name (it exists), the text's four, what P:rep does not filter, the order's.
local fields = { 'name' }
local text = needle ~= ''
if text then fields = { 'name', 'label', 'data', 'lastError' } end
local at = #fields
if byIndex then
  fields[at + 1], fields[at + 2] = 'status', 'repeat'
end
if field ~= '' then fields[#fields + 1] = field end

local reply, read, skipped = { '', 0 }, 0, 0
for i = 1, count do
  if i == 1 or ids[i] ~= ids[i - 1] then
    local id = fmt(ids[i])
    local f = redis.call('HMGET', jobKey(id), unpack(fields))
    if f[1] then
      local keep = true
      if byIndex then
        -- P:rep may still hold a job whose repeat an update cleared (lib.lua): the field decides.
        keep = (not repeating or f[at + 2] ~= false) and wanted[f[at + 1]] == true and (name == '' or f[1] == name)
      end
      if keep and text then
        read = read + #f[1] + #(f[2] or '') + #(f[3] or '') + #(f[4] or '')
        keep = matches(f)
      end
      if keep then
        if field ~= '' then
          reply[#reply + 1] = id
          reply[#reply + 1] = f[#fields] or ''
        elseif skip > 0 then
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
    -- Stop early after `bytes` (large data): the next call goes on past this job.
    if read >= bytes and (i < count or more) then
      reply[1], reply[2] = id, skipped
      return reply
    end
  end
end
if more then reply[1] = fmt(ids[count]) end
reply[2] = skipped
return reply
