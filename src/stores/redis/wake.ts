/**
 * Cross-process wake-ups over pub/sub. Scripts PUBLISH on `{prefix}:wake` when they make work due now
 * (an insert of due jobs, a trigger, a retry due at once, a recovered lock); every subscribed scheduler then
 * claims without waiting for its next poll. A hint only: a message lost during a reconnect costs at most one
 * poll interval.
 *
 * Subscribing needs a connection of its own (a subscribed connection can run nothing else), duplicated from
 * the store's client. ioredis re-subscribes it after every reconnect (autoResubscribe); we log when that
 * happens, and call onWake then too, since wake-ups may have been missed while it was down.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { watchConnection } from './connection.js';

export async function subscribeWake(client: Redis, channel: string, logger: Logger, onWake: () => void): Promise<() => Promise<void>> {
  // Subscribing must not give up while Redis is down: no per-command retry limit on this connection.
  const sub = client.duplicate({ lazyConnect: true, maxRetriesPerRequest: null, enableOfflineQueue: true, connectionName: 'hourglass-wake' });
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
