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
 *  - reconnecting never stops once the connection has been up; ping() reports the outage at once from the
 *    connection status. The first connect is different (openClient, connectOwned): if it fails, the client
 *    ends there, since its retries would otherwise keep a timer (and the process) alive for ever behind a
 *    failed start, and init() opens a new one next time.
 *
 * ioredis is loaded here through requireDriver, the only place in hourglass that loads it at run time (the
 * other files import its types only), so `import 'hourglass-jobs/redis'` without it installed throws a
 * DriverMissingError naming the package rather than Node's bare ERR_MODULE_NOT_FOUND.
 */
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { requireDriver } from '../../core/store-url.js';

const ioredis = requireDriver<typeof import('ioredis')>('ioredis');

/** Reconnect delays once a connection has been up: 100, 200, 400, 800 ms, then 1 s, for ever. */
const reconnectDelay = (times: number) => Math.min(100 * 2 ** (times - 1), 1000);

const ownedClientOptions: RedisOptions = {
  lazyConnect: true,
  connectionName: 'hourglass',
  enableOfflineQueue: true,
  maxRetriesPerRequest: 3,
  connectTimeout: 5_000,
};

/**
 * A lazy client (no socket until connectOwned). It reconnects for ever once it has been ready, but not before:
 * a first connect that fails ends the client (status 'end', no reconnect timer), so a failed start leaves
 * nothing running and a stray command on it fails at once instead of waiting in the offline queue.
 */
export function openClient(url: string): Redis {
  let connected = false;
  const client = new ioredis.Redis(url, { ...ownedClientOptions, retryStrategy: (times: number) => (connected ? reconnectDelay(times) : null) });
  client.once('ready', () => {
    connected = true;
  });
  return client;
}

/**
 * The first connect of a client from openClient (status 'wait'). On failure the client has ended (or is
 * disconnected, should it not have) and the error thrown is the first one the connection reported,
 * such as `connect ECONNREFUSED 127.0.0.1:6390`, rather than ioredis's "Connection is closed." that the promise
 * rejects with. An ended client is not reused: the store opens a new one on its next init().
 */
export async function connectOwned(client: Redis): Promise<void> {
  let first: unknown;
  // Also keeps ioredis from printing "Unhandled error event" for the failed attempt. Left on a failed client,
  // which is dropped, so a late error of its closing socket is swallowed too.
  const onError = (error: unknown) => {
    first ??= error;
  };
  client.on('error', onError);
  try {
    await client.connect();
  } catch (error) {
    // Ended already unless something other than the socket failed. Not disconnect() on an ended client: on a
    // closed socket it arms a 2 s timer that nothing clears.
    if (client.status !== 'end') client.disconnect();
    throw first ?? error;
  }
  client.off('error', onError);
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
