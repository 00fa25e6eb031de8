/**
 * Cross-process wake-ups over pub/sub. Scripts PUBLISH on `{prefix}:wake` when they make work due now
 * (an insert of due jobs, a trigger, a retry due at once, a recovered lock); every subscribed scheduler then
 * claims without waiting for its next poll. A hint only: a message lost during a reconnect costs at most one
 * poll interval.
 *
 * Subscribing needs a connection of its own (a subscribed connection can run nothing else), duplicated from
 * the store's client. ioredis re-subscribes it after every reconnect (autoResubscribe); we log when that
 * happens, and call onWake then too, since wake-ups may have been missed while it was down.
 *
 * On a Cluster the duplicate is a Cluster too (same startup nodes). Classic pub/sub, not sharded: a PUBLISH on
 * any node reaches the subscribers of every node (the cluster bus carries it), so the subscription may sit on
 * whichever node ioredis picks and needs no move when the prefix's slot does. The cost is one bus message per
 * node per wake-up, which a job scheduler's wake-up rate never makes noticeable.
 */
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { isCluster, watchConnection, type RedisClient } from './connection.js';

/** A second connection like `client`, for subscribing only. */
function duplicateForSubscribe(client: RedisClient): RedisClient {
  // Subscribing must not give up while Redis is down: no per-command retry limit on this connection.
  const own = { maxRetriesPerRequest: null, enableOfflineQueue: true, connectionName: 'hourglass-wake' };
  if (!isCluster(client)) return (client as Redis).duplicate({ lazyConnect: true, ...own });
  // Cluster.duplicate(startupNodes, options) merges options shallowly: keep the user's per-node settings
  // (password, TLS) and add ours. An empty node list reuses the client's startup nodes.
  const cluster = client as Cluster;
  return cluster.duplicate([], { lazyConnect: true, enableOfflineQueue: true, redisOptions: { ...cluster.options.redisOptions, ...own } });
}

export async function subscribeWake(client: RedisClient, channel: string, logger: Logger, onWake: () => void): Promise<() => Promise<void>> {
  const sub = duplicateForSubscribe(client);
  const unwatch = watchConnection(sub, logger, 'wake-up subscription');
  let first = true;
  const onReady = () => {
    if (first) {
      first = false;
      return;
    }
    logger.info({ channel }, 'redis wake-up subscription restored after reconnect');
    onWake();
  };
  const onMessage = (from: string) => {
    if (from === channel) onWake();
  };
  sub.on('ready', onReady);
  sub.on('message', onMessage);
  try {
    await sub.connect();
    await sub.subscribe(channel);
  } catch (error) {
    unwatch();
    sub.disconnect();
    throw error;
  }
  let closed = false;
  return async () => {
    if (closed) return;
    closed = true;
    sub.off('ready', onReady);
    sub.off('message', onMessage);
    try {
      await sub.quit();
    } catch {
      sub.disconnect();
    }
    unwatch();
  };
}
