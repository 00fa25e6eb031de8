/**
 * The connections a RedisStore opens itself, and how they behave while Redis is down.
 *
 * The trade-off: a command must neither hang for ever nor be dropped by a short blip.
 *  - enableOfflineQueue: a command issued while reconnecting waits and is sent when the connection is back,
 *    so a restart of a few seconds costs no failed inserts or settlements.
 *  - maxRetriesPerRequest 3 with reconnect delays of 100, 200, 400, 800 ms, then 1 s: a waiting command is
 *    rejected (StoreError) after about 1.5 s of a fresh outage and at most about 4 s later on, so callers
 *    (the scheduler's poll loop, an HTTP request) see the outage instead of piling up promises.
 *  - autoResendUnfulfilledCommands (ioredis default, kept): a command written just before the connection
 *    dropped is sent again after reconnect. Every script is safe to repeat except insert, which may then add a
 *    job twice; we prefer that to losing it (use dedupeKey where a duplicate matters).
 *  - reconnecting never stops; ping() reports the outage at once from the connection status.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../../core/logger.js';

export const ownedClientOptions: RedisOptions = {
  lazyConnect: true,
  connectionName: 'hourglass',
  enableOfflineQueue: true,
  maxRetriesPerRequest: 3,
  retryStrategy: (times: number) => Math.min(100 * 2 ** (times - 1), 1000),
  connectTimeout: 5_000,
};

export function openClient(url: string): Redis {
  return new Redis(url, ownedClientOptions);
}

/**
 * Log an outage once when it starts and once when it ends (ioredis emits an error per reconnect attempt).
 * Also keeps ioredis from printing "Unhandled error event" for connections we own.
 */
export function watchConnection(client: Redis, logger: Logger, what: string): () => void {
  let down = false;
  const onError = (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, `redis ${what}: connection lost; reconnecting`);
  };
  const onReady = () => {
    if (!down) return;
    down = false;
    logger.info(`redis ${what}: reconnected`);
  };
  client.on('error', onError);
  client.on('ready', onReady);
  return () => {
    client.off('error', onError);
    client.off('ready', onReady);
  };
}
