-- 003 running index: P:locked holds exactly the running jobs, so it now serves as their status index too, and
-- claim and settle no longer write P:s:running (one member write fewer each per run). The old key is dropped:
-- it is O(running jobs), a few thousand at most.
redis.call('DEL', P .. ':s:running')
redis.call('HSET', P .. ':meta', 'layout', '3')
