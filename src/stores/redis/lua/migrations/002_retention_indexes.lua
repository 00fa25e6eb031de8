-- 002 retention indexes: P:f:<status> (finished jobs by finish time) and P:hjobs (jobs by their oldest history
-- record), which prune() reads. They are switched on by the first prune (prune.lua), which records the range
-- of ids written before for backfill.lua; until then settle does not write them. So this step changes nothing
-- but the layout number, and is O(1) however many jobs the prefix holds.
redis.call('HSET', P .. ':meta', 'layout', '2')
