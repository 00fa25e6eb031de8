-- rate_free_at: Store.rateFreeAt (src/core/rules/rate.ts rateFreeAt, applied by the caller). Reads only.
-- ARGV: P, now, then per globally rate-limited name: name, window ms, per group (1 or 0).
-- Returns per name its RateWindow as { used, first } (first: the earliest start's time as text, false: none).
-- Name-wide: its key '' (P:rate:<g>), counted and its first member read. By group: the first member of
-- P:rateall:<name> in the window, whatever the number of groups; the count is not needed then.
local now = tonumber(ARGV[2])
local out = {}
for a = 3, #ARGV, 3 do
  local name, per, byGroup = ARGV[a], tonumber(ARGV[a + 1]), ARGV[a + 2] == '1'
  local key = byGroup and (P .. ':rateall:' .. name) or (P .. ':rate:' .. groupKey(name, ''))
  local since = '(' .. fmt(now - per)
  local used = 0
  if not byGroup then used = redis.call('ZCOUNT', key, since, '+inf') end
  local first = redis.call('ZRANGEBYSCORE', key, since, '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
  out[#out + 1] = { used, first[2] or false }
end
return out
