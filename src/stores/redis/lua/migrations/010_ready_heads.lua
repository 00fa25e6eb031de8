-- 010 ready heads: a claim of any name (a fallback handler) reads P:heads, one entry per name with ready jobs in
-- the order of its best job, as far as it can use it, instead of every name in P:readynames (a claim beside 20,000
-- names with due jobs took ~216 ms). The names of P:readynames are folded into P:heads by heads_index.lua, in
-- chunks, on every start (migrate.ts foldReadyNames), so names an older process still adds during a rolling
-- upgrade are folded by the next process that starts. The layout number makes an older hourglass refuse the
-- prefix: its fallback-handler claims would not see names added to P:heads alone.
redis.call('HSET', P .. ':meta', 'layout', '10')
