/**
 * hourglass/redis. Keys live under `{namespace}:…`. The backlog goes in through the store's own insert
 * (Store.insert, 5,000 a call, 4 calls in flight): the key layout is the store's business, not the bench's.
 * Then the run waits for any AOF rewrite the fill set off.
 */
import { Redis } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/index.js';
import { hourglassDriver } from '../harness/hourglass.js';
import { deleteKeys, sleep } from '../harness/util.js';

export default hourglassDriver({
  open: (spec) => new RedisStore({ url: spec.redisUrl, prefix: spec.namespace }),
  otherProducer: true,
  async afterFill(spec) {
    // The fill grows the AOF, and Redis may start rewriting it (a fork, on a 2-core machine) during the
    // measured run: wait until no rewrite or snapshot is running or scheduled. Passive: nothing is triggered.
    const client = new Redis(spec.redisUrl);
    const t0 = Date.now();
    try {
      for (;;) {
        const info = await client.info('persistence');
        const busy = /aof_rewrite_in_progress:1|aof_rewrite_scheduled:1|rdb_bgsave_in_progress:1/.test(info);
        if (!busy || Date.now() - t0 > 120_000) return busy ? 'gave up waiting for an AOF rewrite' : 'a wait for AOF rewrite or snapshot';
        await sleep(100);
      }
    } finally {
      await client.quit();
    }
  },
  async cleanup(spec) {
    await deleteKeys(spec.redisUrl, `{${spec.namespace}}*`);
    await deleteKeys(spec.redisUrl, `${spec.namespace}*`);
  },
});
