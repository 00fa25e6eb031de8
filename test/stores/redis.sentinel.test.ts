/**
 * Failover under load on a real Sentinel setup (scripts/services.sh: master 6380, replica 6381, sentinels 26379
 * and 26380 watching `hourglass`). A scheduler runs jobs while a producer inserts them, both through
 * `redis+sentinel://`, and `SENTINEL FAILOVER hourglass` promotes the replica mid-run; the old master keeps
 * taking writes until the sentinels demote it, and what it took then is gone. Then:
 *  - always: no id was given to two jobs (ids come from the server clock, lua/lib.lua reserveIds, so the new
 *    master's ids are above every id the old one handed out, even those it lost);
 *  - with the safe settings (waitForReplicas + min-replicas-to-write 1): every acknowledged insert is still
 *    there and every job ran at least once;
 *  - without them: what was lost is counted and printed (docs/stores/redis.md quotes it).
 * Sentinel moves the master each run; the test works from whichever node the sentinels name.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { ValidationError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import { RedisStore, type RedisStoreOptions } from '../../src/stores/redis/index.js';
import { availability, type StoreFactory } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { randomPrefix } from './redis.factory.js';
import { newJob } from './redis.rules.helpers.js';

const SENTINELS = (process.env.HOURGLASS_REDIS_SENTINELS ?? '127.0.0.1:26379,127.0.0.1:26380').split(',');
const MASTER = 'hourglass';
const SENTINEL_URL = `redis+sentinel://${SENTINELS.join(',')}/${MASTER}`;
const DATA_PORTS = [6380, 6381];

/** An admin connection. It reconnects: Sentinel ends every client of a demoted master (CLIENT KILL TYPE normal). */
const node = (hostPort: string, reconnect = true) => {
  const [host, port] = hostPort.split(':');
  return new Redis({ host, port: Number(port), maxRetriesPerRequest: 3, connectTimeout: 2_000, lazyConnect: true, ...(reconnect ? {} : { retryStrategy: () => null }) });
};

const sentinelFactory: StoreFactory = {
  kind: 'redis-sentinel',
  async unavailable() {
    const sentinel = node(SENTINELS[0]!, false);
    sentinel.on('error', () => {});
    try {
      await sentinel.connect();
      const addr = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as string[] | null;
      return addr ? null : `sentinel at ${SENTINELS[0]} does not monitor "${MASTER}"`;
    } catch (error) {
      return `no redis sentinel answers at ${SENTINELS[0]} (${(error as Error).message})`;
    } finally {
      sentinel.disconnect();
    }
  },
  create() {
    throw new Error('not used: this file opens its stores itself');
  },
};

const { skip } = await availability(sentinelFactory);

/** The master's port as the first sentinel names it. */
async function masterPort(sentinel: Redis): Promise<number> {
  const [, port] = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER)) as [string, string];
  return Number(port);
}

/** The pair is whole: the named master has its replica online, and both sentinels agree on it. */
async function healthy(sentinels: Redis[], data: Map<number, Redis>): Promise<boolean> {
  const ports = await Promise.all(sentinels.map(masterPort));
  if (ports.some((p) => p !== ports[0])) return false;
  const info = await data.get(ports[0]!)!.info('replication');
  return /role:master/.test(info) && /slave0:.*state=online/.test(info);
}

interface Outcome {
  acknowledged: number;
  lost: number;
  reused: number;
  neverRan: number;
  /** Jobs run more than once: a settlement (or a claim) the failover lost, so the job ran again. */
  ranAgain: number;
  uniqueIds: boolean;
}

describe('RedisStore waitForReplicas and the sentinel URL (no server needed)', () => {
  it('refuses a bad waitForReplicas or sentinel URL with a typed error naming the field and value', () => {
    const cases: [RedisStoreOptions, string, unknown][] = [
      [{ url: SENTINEL_URL, waitForReplicas: { replicas: 0, timeoutMs: 100 } }, 'waitForReplicas.replicas', 0],
      [{ url: SENTINEL_URL, waitForReplicas: { replicas: 1.5, timeoutMs: 100 } }, 'waitForReplicas.replicas', 1.5],
      [{ url: SENTINEL_URL, waitForReplicas: { replicas: 1, timeoutMs: 0 } }, 'waitForReplicas.timeoutMs', 0],
      [{ url: SENTINEL_URL, waitForReplicas: 'yes' as never }, 'waitForReplicas', 'yes'],
      [{ url: 'redis+sentinel://127.0.0.1:26379' }, 'url', 'redis+sentinel://127.0.0.1:26379'],
      [{ url: 'redis+sentinel://u:secret@127.0.0.1:x/hourglass' }, 'url', 'redis+sentinel://u:***@127.0.0.1:x/hourglass'],
    ];
    for (const [options, field, value] of cases) {
      let error: unknown;
      try {
        new RedisStore(options);
      } catch (e) {
        error = e;
      }
      expect(error, field).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).field, field).toBe(field);
      expect((error as ValidationError).value, field).toEqual(value);
    }
  });
});

describe.skipIf(skip)('RedisStore through a Sentinel failover under load', () => {
  const sentinels = SENTINELS.map((hostPort) => node(hostPort));
  const data = new Map(DATA_PORTS.map((port) => [port, node(`127.0.0.1:${port}`)]));
  const all = [...sentinels, ...data.values()];

  afterAll(async () => {
    // Leave the servers as services.sh made them: no min-replicas-to-write.
    for (const client of data.values()) await client.config('SET', 'min-replicas-to-write', '0').catch(() => {});
    for (const client of all) client.disconnect();
  });

  async function failoverRun(safe: boolean): Promise<Outcome> {
    for (const client of all) if (client.status === 'wait') await client.connect();
    await waitUntil(() => healthy(sentinels, data), 30_000, 'the master and its replica in sync');
    for (const client of data.values()) await client.config('SET', 'min-replicas-to-write', safe ? '1' : '0');
    const prefix = randomPrefix();
    const options: RedisStoreOptions = { url: SENTINEL_URL, prefix, ...(safe ? { waitForReplicas: { replicas: 1, timeoutMs: 500 } } : {}) };
    const worker = new Scheduler({ store: new RedisStore(options), concurrency: 8, pollInterval: 100, lockLifetime: 3_000, logger: silentLogger });
    const ran = new Map<number, number>();
    worker.define('work', async (job) => {
      const n = (job.data as { n: number }).n;
      ran.set(n, (ran.get(n) ?? 0) + 1);
    });
    await worker.start();
    const producer = new RedisStore(options);
    await producer.init({ logger: silentLogger });

    // Each job has its own dedupe key, so an insert retried after an error is not doubled.
    const acked = new Map<number, string>();
    let stop = false;
    const produce = (async () => {
      for (let n = 0; !stop; n++) {
        for (;;) {
          try {
            const now = Date.now();
            const [row] = await producer.insert([newJob('work', { data: { n }, dedupeKey: `n${n}`, dueAt: now, nextRunAt: now })], now);
            acked.set(n, row!.job.id);
            break;
          } catch {
            if (stop) return;
          }
        }
      }
    })();

    try {
      await waitUntil(() => acked.size >= 300, 20_000, '300 inserts acknowledged');
      const before = await masterPort(sentinels[0]!);
      // Refused (NOGOODSLAVE) while a sentinel has not yet seen the replica as one: ask again until it starts.
      await waitUntil(async () => {
        try {
          return (await sentinels[0]!.call('SENTINEL', 'FAILOVER', MASTER)) === 'OK';
        } catch {
          return false;
        }
      }, 20_000, 'SENTINEL FAILOVER accepted');
      await waitUntil(async () => (await masterPort(sentinels[0]!)) !== before, 20_000, 'the replica promoted');
      const size = acked.size;
      // With min-replicas-to-write the new master takes writes only once the old one is its replica (the
      // sentinels demote it within about 15 s); without, the producer goes on at once (and the next run waits).
      if (safe) await waitUntil(() => healthy(sentinels, data), 30_000, 'the old master demoted and in sync with the new one');
      await waitUntil(() => acked.size >= size + 300, 30_000, '300 more inserts acknowledged after the failover');
      stop = true;
      await produce;
      const expected = safe ? acked.size : 0;
      // With the safe settings every acknowledged job runs; without, wait for whatever is left to be claimed.
      await waitUntil(async () => ran.size >= expected && (await producer.countJobs(undefined, ['pending', 'running'])).pending === 0, 30_000, 'the queue drained');
      await waitUntil(async () => (await producer.countJobs(undefined, ['running'])).running === 0, 30_000, 'no job running');

      let lost = 0;
      let reused = 0;
      for (const [n, id] of acked) {
        const job = await producer.getJob(id);
        if (job === null) lost += 1;
        else if ((job.data as { n: number }).n !== n) reused += 1;
      }
      const ids = [...acked.values()];
      return {
        acknowledged: acked.size, lost, reused, neverRan: [...acked.keys()].filter((n) => !ran.has(n)).length,
        ranAgain: [...ran.values()].filter((count) => count > 1).length, uniqueIds: new Set(ids).size === ids.length,
      };
    } finally {
      stop = true;
      await produce;
      await worker.close();
      await producer.close();
      const cleanup = new Redis({ sentinels: SENTINELS.map((s) => ({ host: s.split(':')[0], port: Number(s.split(':')[1]) })), name: MASTER });
      const keys = await cleanup.keys(`{${prefix}}:*`);
      if (keys.length > 0) await cleanup.del(...keys);
      cleanup.disconnect();
    }
  }

  it('without WAIT: ids are never given to two jobs; what the failover lost is counted', { timeout: 120_000 }, async () => {
    const outcome = await failoverRun(false);
    process.stderr.write(`[redis sentinel] no WAIT: ${JSON.stringify(outcome)}\n`);
    expect(outcome.uniqueIds).toBe(true);
    expect(outcome.reused).toBe(0);
  });

  it('with waitForReplicas and min-replicas-to-write 1: every acknowledged insert is kept and runs', { timeout: 120_000 }, async () => {
    const outcome = await failoverRun(true);
    process.stderr.write(`[redis sentinel] waitForReplicas + min-replicas-to-write 1: ${JSON.stringify(outcome)}\n`);
    expect(outcome.uniqueIds).toBe(true);
    expect(outcome.reused).toBe(0);
    expect(outcome.lost).toBe(0);
    expect(outcome.neverRan).toBe(0);
  });
});
