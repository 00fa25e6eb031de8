-- rate_window: a rate key's window now, for the dashboard (Store.rateWindow, src/core/rules/rate.ts). Read only.
-- ARGV: P, name, key ('' for the name), perMs, now. Reply: { used, oldest ('' when none) }: the claims logged in
-- P:rate:<g> (scored by claim time) in (now - perMs, now], and the earliest. Two ranges of one small zset.
local name, key, per, now = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
local rk = P .. ':rate:' .. groupKey(name, key)
local since = '(' .. fmt(now - per)
local used = redis.call('ZCOUNT', rk, since, fmt(now))
local first = redis.call('ZRANGEBYSCORE', rk, since, fmt(now), 'WITHSCORES', 'LIMIT', 0, 1)
return { used, first[2] or '' }
