-- group_counts: the groups of one name with jobs due now or running, and those counts (rules/group-counts.ts),
-- for the dashboard. ARGV: P, name, now, scan (groups looked at, at most), cap (a due count's most).
-- Reply: { group, due, running } per group looked at, in byte order of the group.
-- First the claim's own promotion (shared/claim.lua promoteDue: jobs whose due time came move from P:scheduled to
-- their ready sets, at most PROMOTE_MAX), so a group's ready set holds exactly its due jobs, as it would for the
-- next claim. Then, bounded: the groups looked at are the name's rotation (P:groups:<name>: those that may have due
-- jobs) and the groups of its running jobs (P:locked: as many as run at once); a group's due count is ZCARD of
-- its ready set (O(1), capped), its running count ZCARD of P:grun:<g>.
local name, nowText, scan, cap = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
promoteDue(nowText)
local seen, groups = {}, {}
local function add(group)
  if not seen[group] then
    seen[group] = true
    groups[#groups + 1] = group
  end
end
for _, group in ipairs(redis.call('ZRANGE', P .. ':groups:' .. name, 0, -1)) do add(group) end
for _, id in ipairs(redis.call('ZRANGE', P .. ':locked', 0, -1)) do
  local f = redis.call('HMGET', jobKey(id), 'name', 'group', 'status')
  if f[1] == name and f[2] and f[3] == 'running' then add(f[2]) end
end
-- Byte order: Lua compares strings with strcoll, which is strcmp in the C locale Redis runs Lua in.
table.sort(groups)
local reply = {}
for i = 1, math.min(#groups, scan) do
  local key = groupKey(name, groups[i])
  local due = math.min(redis.call('ZCARD', P .. ':gready:' .. key), cap)
  reply[#reply + 1] = { groups[i], due, redis.call('ZCARD', P .. ':grun:' .. key) }
end
return reply
