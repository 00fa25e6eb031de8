-- 001 layout: the key layout described in lua/lib.lua and docs/stores/redis.md.
-- Redis needs no schema, so this step only records that the prefix uses layout 1; later layouts add numbered
-- files here that rewrite keys, and run once per prefix under the guard in migrate.ts.
redis.call('HSET', P .. ':meta', 'layout', '1')
