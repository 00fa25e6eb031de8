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
import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { ValidationError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { masked, requireDriver } from '../../core/store-url.js';

/**
 * What the store talks to: one Redis (plain, or found through Sentinel) or an ioredis Cluster. The store sends
 * both the same commands: every script and every read names keys of one prefix, all in one hash slot (keys.ts),
 * so a Cluster routes each to the node serving that slot and follows MOVED/ASK itself.
 */
export type RedisClient = Redis | Cluster;

export function isCluster(client: RedisClient): client is Cluster {
  return (client as Cluster).isCluster === true;
}

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

/** Where an owned connection goes, from the store's `url` (parseRedisUrl). */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; tls: boolean; username?: string; password?: string }
  | { kind: 'sentinel'; sentinels: { host: string; port: number }[]; name: string; tls: boolean; username?: string; password?: string };

const PLUS_URL = /^(rediss?)\+(cluster|sentinel):\/\/(?:([^@/?#]*)@)?([^/?#]+)(?:\/([^?#]*))?(?:\?[^#]*)?(?:#.*)?$/;

/**
 * `redis://` / `rediss://` (one server), `redis+cluster://host:port,host:port` (startup nodes of a Cluster) or
 * `redis+sentinel://host:port,host:port/<master name>` (the sentinels and the name they monitor), each with an
 * optional `user:password@`, and `rediss+…` for TLS. The plus forms take no query (storeFromUrl reads and
 * removes `prefix`): an option there would reach no connection, so it is refused.
 */
export function parseRedisUrl(url: unknown): RedisTarget {
  const forms = 'a redis://, rediss://, redis+cluster://host:port,… or redis+sentinel://host:port,…/name URL (or pass client)';
  if (typeof url !== 'string') throw new ValidationError('url', url, `must be ${forms}`);
  if (/^rediss?:\/\//.test(url)) {
    // ioredis takes a URL's query as its options: a keyPrefix there would prefix the keys a script is given but
    // not those it builds, as a client's keyPrefix would (refused in store.ts).
    if (/[?&]keyPrefix=/.test(url)) throw new ValidationError('url', masked(url), 'keyPrefix is not supported: pass prefix to RedisStore instead');
    return { kind: 'single', url };
  }
  const match = PLUS_URL.exec(url);
  if (!match) throw new ValidationError('url', masked(url), `must be ${forms}`);
  // Nothing in a query would reach the connections (storeFromUrl reads and removes ?prefix): refused, not dropped.
  if (/\?[^#]/.test(url)) throw new ValidationError('url', masked(url), 'takes no query options here (the key prefix is the store\'s prefix option)');
  const [, scheme, kind, userinfo, hostList, path] = match as unknown as [string, string, 'cluster' | 'sentinel', string | undefined, string, string | undefined];
  const hosts = hostList.split(',').map((entry) => {
    const hostPort = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry);
    const port = Number(hostPort?.[2] ?? (kind === 'sentinel' ? 26379 : 6379));
    if (!hostPort || port < 1 || port > 65535) throw new ValidationError('url', masked(url), `has a bad host:port "${entry}"`);
    return { host: hostPort[1]!.replace(/^\[|\]$/g, ''), port };
  });
  const auth: { username?: string; password?: string } = {};
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon === -1 ? userinfo : userinfo.slice(0, colon));
    if (user !== '') auth.username = user;
    if (colon !== -1) auth.password = decodeURIComponent(userinfo.slice(colon + 1));
  }
  const tls = scheme === 'rediss';
  if (kind === 'cluster') return { kind, nodes: hosts, tls, ...auth };
  const name = decodeURIComponent(path ?? '');
  if (name === '') throw new ValidationError('url', masked(url), 'must name the monitored master after the sentinels: redis+sentinel://host:port,…/<name>');
  return { kind, sentinels: hosts, name, tls, ...auth };
}

/**
 * A lazy client (no socket until connectOwned). It reconnects for ever once it has been ready, but not before:
 * a first connect that fails ends the client (status 'end', no reconnect timer), so a failed start leaves
 * nothing running and a stray command on it fails at once instead of waiting in the offline queue.
 */
export function openClient(target: RedisTarget): RedisClient {
  let connected = false;
  const retry = (times: number) => (connected ? reconnectDelay(times) : null);
  let client: RedisClient;
  if (target.kind === 'single') {
    client = new ioredis.Redis(target.url, { ...ownedClientOptions, retryStrategy: retry });
  } else if (target.kind === 'sentinel') {
    const { sentinels, name, tls, username, password } = target;
    client = new ioredis.Redis({
      ...ownedClientOptions, sentinels, name, username, password, retryStrategy: retry,
      ...(tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
      // Sentinel announces a new master on +switch-master: reconnect to it then, not only when the old one drops.
      failoverDetector: true,
      // A demoted master answers writes with READONLY until the sentinels reconfigure it: reconnect (to the new
      // master, asked of the sentinels) and resend, since a refused command changed nothing.
      reconnectOnError: (error: Error) => (error.message.startsWith('READONLY') ? 2 : false),
    });
  } else {
    const { nodes, tls, username, password } = target;
    const options: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: true,
      clusterRetryStrategy: retry,
      redisOptions: {
        connectionName: ownedClientOptions.connectionName, maxRetriesPerRequest: ownedClientOptions.maxRetriesPerRequest,
        connectTimeout: ownedClientOptions.connectTimeout, username, password, ...(tls ? { tls: {} } : {}),
      },
    };
    client = new ioredis.Cluster(nodes, options);
  }
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
export async function connectOwned(client: RedisClient): Promise<void> {
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
  // ioredis selects the URL's database (redis://host/3) once connected, but when the server refuses it (an
  // index beyond its `databases`, a cluster) it only emits an error and goes on in database 0: jobs would go
  // where nobody asked. Select it again here, where a refusal fails the start.
  const db = isCluster(client) ? 0 : client.options.db ?? 0;
  if (db !== 0) {
    try {
      await client.select(db);
    } catch (error) {
      client.disconnect();
      throw new Error(`cannot use database ${db} of the URL: ${(error as Error).message}`, { cause: error });
    }
  }
}

/**
 * Log an outage once when it starts and once when it ends (ioredis emits an error per reconnect attempt).
 * Also keeps ioredis from printing "Unhandled error event" for connections we own.
 */
export function watchConnection(client: RedisClient, logger: Logger, what: string): () => void {
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
