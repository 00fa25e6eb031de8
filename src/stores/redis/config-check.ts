/**
 * Startup checks of the server settings that decide whether Redis can lose jobs.
 *  - maxmemory-policy other than noeviction: Redis may delete job keys under memory pressure, silently.
 *    We refuse to start unless the user opted in with allowEvictionPolicy.
 *  - persistence: without AOF, or with appendfsync no, a crash or restart loses recent (or all) jobs.
 *    We warn with the exact setting to change; the user may have reasons (a cache-only deployment, replicas).
 *  - waitForReplicas without min-replicas-to-write: WAIT keeps a write that no replica has from being
 *    acknowledged, but the master still applies it, so a partitioned old master goes on changing jobs that the
 *    failover then throws away. We warn with the setting (docs/stores/redis.md, Replication and failover).
 * Managed services often disable CONFIG: then we say we could not check and go on.
 */
import type { Redis } from 'ioredis';
import { HourglassError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';

async function configGet(client: Redis, name: string): Promise<string | null> {
  const reply = (await client.call('CONFIG', 'GET', name)) as string[];
  return Array.isArray(reply) && reply.length >= 2 ? String(reply[1]) : null;
}

export async function checkServerConfig(client: Redis, logger: Logger, allowEvictionPolicy: boolean, waitsForReplicas = false): Promise<void> {
  let policy: string | null;
  let minReplicas: string | null = null;
  let appendonly: string | null;
  let appendfsync: string | null;
  let save: string | null;
  try {
    policy = await configGet(client, 'maxmemory-policy');
    appendonly = await configGet(client, 'appendonly');
    appendfsync = await configGet(client, 'appendfsync');
    save = await configGet(client, 'save');
    if (waitsForReplicas) minReplicas = await configGet(client, 'min-replicas-to-write');
  } catch (error) {
    logger.warn(
      { err: error },
      'redis: could not read the server configuration (CONFIG GET is disabled or not permitted); make sure ' +
        'maxmemory-policy is noeviction and appendonly is yes with appendfsync everysec, or jobs can be lost',
    );
    return;
  }

  if (policy !== null && policy !== 'noeviction') {
    const message =
      `redis maxmemory-policy is "${policy}": under memory pressure Redis would silently delete job keys. ` +
      'Set "maxmemory-policy noeviction" in redis.conf (or run CONFIG SET maxmemory-policy noeviction), ' +
      'or pass allowEvictionPolicy: true to accept the risk';
    if (!allowEvictionPolicy) throw new HourglassError('REDIS_EVICTION_POLICY', message);
    logger.warn({ maxmemoryPolicy: policy }, `${message} (allowed by allowEvictionPolicy)`);
  }

  const fix = 'set "appendonly yes" and "appendfsync everysec" in redis.conf (or CONFIG SET appendonly yes)';
  if (appendonly === 'no') {
    if (!save) {
      logger.warn({ appendonly, save }, `redis has no persistence (appendonly no, save ""): every job is lost when the server restarts; ${fix}`);
    } else {
      logger.warn({ appendonly, save }, `redis persists only RDB snapshots (save "${save}"): jobs written since the last snapshot are lost on a crash; ${fix}`);
    }
  } else if (appendonly === 'yes' && appendfsync === 'no') {
    logger.warn({ appendfsync }, 'redis appendfsync is "no": the OS decides when the AOF reaches disk (often 30 s), and that much work can be lost on a crash; set "appendfsync everysec" (or "always")');
  } else if (appendonly === 'yes') {
    logger.debug({ appendfsync }, 'redis persistence: AOF on');
  }

  if (minReplicas === '0') {
    logger.warn(
      { minReplicasToWrite: minReplicas },
      'redis min-replicas-to-write is 0 while waitForReplicas is on: a master cut off from its replicas still applies writes ' +
        'that a failover then loses; set "min-replicas-to-write 1" on every node that may become master',
    );
  }
}
