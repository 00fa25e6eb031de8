/**
 * StoreFactory for the Redis store on a Redis Cluster (3 masters, scripts/services.sh starts one on 7000-7002).
 * Each create() gets a fresh random prefix, opened through the cluster URL form (`redis+cluster://…`), so every
 * test also proves that form; the prefix's keys share one hash slot and live on whichever node serves it.
 * Server: HOURGLASS_REDIS_CLUSTER_URL, default redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002.
 */
import { Cluster } from 'ioredis';
import { RedisStore } from '../../src/stores/redis/index.js';
import type { CreatedStore, StoreFactory } from '../conformance/factory.js';
import { randomPrefix } from './redis.factory.js';

export const CLUSTER_URL = process.env.HOURGLASS_REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';

/** The startup nodes of CLUSTER_URL, for clients the tests open themselves. */
export const CLUSTER_NODES = CLUSTER_URL.replace(/^rediss?\+cluster:\/\//, '')
  .replace(/[/?].*$/, '')
  .split(',')
  .map((hostPort) => {
    const [host, port] = hostPort.split(':');
    return { host: host!, port: Number(port ?? 6379) };
  });

/** A test's own Cluster client (set-up, inspection, or as the `client` a store is given); callers quit it. */
export function clusterClient(options: { lazyConnect?: boolean } = {}): Cluster {
  return new Cluster(CLUSTER_NODES, { ...options, clusterRetryStrategy: () => null, redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2_000 } });
}

/** Delete every key of a prefix: they share one slot, so one node holds them all (SCAN each master: tests only). */
export async function deleteClusterPrefix(client: Cluster, prefix: string): Promise<void> {
  // A client that has not loaded the slot map yet knows no nodes: the loop below would delete nothing (it did,
  // and a full test run left ~6,000 keys on the cluster).
  if (client.status !== 'ready') await new Promise<void>((resolve, reject) => {
    client.once('ready', resolve);
    client.once('error', reject);
  });
  const masters = client.nodes('master');
  if (masters.length === 0) throw new Error('deleteClusterPrefix: the cluster client knows no master');
  for (const node of masters) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
      if (keys.length > 0) await node.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
}

export const redisClusterFactory: StoreFactory = {
  kind: 'redis-cluster',
  async unavailable() {
    const client = clusterClient({ lazyConnect: true });
    client.on('error', () => {});
    try {
      await client.connect();
      const info = String(await client.cluster('INFO'));
      return /cluster_state:ok/.test(info) ? null : `the redis cluster at ${CLUSTER_URL} is not ready (${info.split('\n')[0]?.trim()})`;
    } catch (error) {
      return `no redis cluster answers at ${CLUSTER_URL} (${(error as Error).message})`;
    } finally {
      client.disconnect();
    }
  },
  async create(): Promise<CreatedStore> {
    const prefix = randomPrefix();
    return {
      store: new RedisStore({ url: CLUSTER_URL, prefix }),
      url: `${CLUSTER_URL}?prefix=${prefix}`,
      async cleanup() {
        const client = clusterClient();
        try {
          await deleteClusterPrefix(client, prefix);
        } finally {
          client.disconnect();
        }
      },
    };
  },
};
