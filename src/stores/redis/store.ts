/**
 * RedisStore: the Store interface on Redis. Each state change is one Lua script (lua/*.lua), so it is atomic
 * on the server and needs one round trip; reads use plain commands. See docs/stores/redis.md for the key
 * layout, durability settings and the cost of each operation.
 */
import type { Redis } from 'ioredis';
import { HourglassError, StoreError, ValidationError } from '../../core/errors.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type {
  CancelResult, ClaimRequest, ClaimedJob, InsertResult, JobPatch, JobQuery, JobRecord, Lease,
  LeaseState, MigrationStatus, NewJob, PruneRequest, PruneResult, Settlement, Store, StoreInitOptions,
} from '../../core/store.js';
import { JOB_STATUSES, type Json, type JobStatus } from '../../core/types.js';
import { claimedJob, historyBody, insertedJob, newJobArgs, patchArgs, publicJob, tri } from './codec.js';
import { checkServerConfig } from './config-check.js';
import { openClient, watchConnection } from './connection.js';
import { DEFAULT_PREFIX, assertPrefix, isJobId, keysFor, type Keys } from './keys.js';
import { backfill, migrate, migrationStatus } from './migrate.js';
import { scripts, type Arg, type Script } from './scripts.js';
import { subscribeWake } from './wake.js';

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL; the store opens its own connection and closes it in close(). */
  url?: string;
  /** An ioredis client to reuse; the store never quits it. Must not use keyPrefix (use `prefix`). */
  client?: Redis;
  /** Namespace of every key, `{prefix}:…` (a cluster hash tag). Default 'hourglass'. */
  prefix?: string;
  /** Start even when maxmemory-policy lets Redis evict keys (jobs can then vanish); logs a warning. */
  allowEvictionPolicy?: boolean;
  /**
   * Send a batch's outcomes together with the next claim (one script call). Off by default: on localhost a settle
   * and a claim in flight together were faster; it may pay where the round trip to Redis is long.
   */
  combineSettleWithClaim?: boolean;
}

/** How long ping() waits for PONG before calling the server unresponsive. */
const PING_TIMEOUT_MS = 2_000;

type HistoryRow = Awaited<ReturnType<Store['history']>>[number];

/** The statuses prune() may delete, in the order their cutoffs are sent. */
const PRUNABLE = ['completed', 'failed', 'cancelled'] as const;

/** What shared/claim.lua reads after the prefix. */
function claimArgs(request: ClaimRequest): Arg[] {
  const args: Arg[] = [request.now, request.workerId, request.lockToken, request.limit, request.lockLifetimeMs];
  if (request.names === null) args.push(-1);
  else args.push(request.names.length, ...request.names);
  args.push(request.limits.length);
  for (const l of request.limits) args.push(l.name, l.localFree ?? '', l.global ?? '');
  const lifetimes = Object.entries(request.lockLifetimes ?? {});
  args.push(lifetimes.length);
  for (const [name, ms] of lifetimes) args.push(name, ms);
  return args;
}

/** What shared/settle.lua reads: the count, then 11 values per settlement. */
function settleArgs(settlements: Settlement[]): Arg[] {
  const args: Arg[] = [settlements.length];
  for (const s of settlements) {
    args.push(
      s.id, s.lockToken, s.status, s.nextRunAt ?? '', s.dueAt ?? '', s.attempts ?? '',
      tri(s.result, JSON.stringify), tri(s.lastError), s.finishedAt,
      s.history?.status ?? '', s.history ? historyBody(s.history) : '',
    );
  }
  return args;
}

export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly preferSettleAndClaim: boolean;
  readonly prefix: string;
  private readonly keys: Keys;
  private readonly client: Redis;
  private readonly owned: boolean;
  private readonly allowEvictionPolicy: boolean;
  private logger: Logger = silentLogger;
  private initialised?: Promise<void>;
  private unwatch?: () => void;
  private readonly unsubscribers = new Set<() => Promise<void>>();

  constructor(options: RedisStoreOptions, prefix?: string) {
    if (options === null || typeof options !== 'object') throw new ValidationError('options', options, 'must be { url } or { client }');
    this.prefix = assertPrefix(prefix ?? options.prefix ?? DEFAULT_PREFIX);
    this.keys = keysFor(this.prefix);
    this.allowEvictionPolicy = options.allowEvictionPolicy === true;
    this.preferSettleAndClaim = options.combineSettleWithClaim === true;
    if (options.client) {
      if (options.url) throw new ValidationError('options', options, 'give either url or client, not both');
      if (options.client.options?.keyPrefix) {
        throw new ValidationError('client.options.keyPrefix', options.client.options.keyPrefix, 'is not supported: pass prefix to RedisStore instead');
      }
      this.client = options.client;
      this.owned = false;
    } else {
      if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
        throw new ValidationError('url', options.url, 'must be a redis:// or rediss:// URL (or pass client)');
      }
      this.client = openClient(options.url);
      this.owned = true;
    }
  }

  init(options: StoreInitOptions): Promise<void> {
    this.initialised ??= this.start(options.logger ?? silentLogger).catch((error) => {
      this.initialised = undefined;
      throw error;
    });
    return this.initialised;
  }

  private async start(logger: Logger): Promise<void> {
    this.logger = logger;
    scripts(); // read the Lua files now, so a broken install fails at start rather than at first claim
    if (this.owned) {
      this.unwatch ??= watchConnection(this.client, logger, 'connection');
      if (this.client.status === 'wait') {
        try {
          await this.client.connect();
        } catch (error) {
          throw new StoreError(`could not connect to redis: ${(error as Error).message}`, { cause: error });
        }
      }
    }
    await checkServerConfig(this.client, logger, this.allowEvictionPolicy);
    await this.migrate();
  }

  async close(): Promise<void> {
    await Promise.all([...this.unsubscribers].map((unsubscribe) => unsubscribe()));
    this.unsubscribers.clear();
    if (this.owned && this.client.status !== 'end') {
      try {
        await this.client.quit();
      } catch {
        this.client.disconnect();
      }
    }
    this.unwatch?.();
    this.unwatch = undefined;
    this.initialised = undefined;
  }

  migrate(): Promise<MigrationStatus> {
    return this.guard('migrate', () => migrate(this.client, this.keys, Date.now()));
  }

  migrationStatus(): Promise<MigrationStatus> {
    return this.guard('migrationStatus', () => migrationStatus(this.client, this.keys));
  }

  async ping(): Promise<void> {
    const status = this.client.status;
    if (status !== 'ready') throw new StoreError(`redis is not connected (connection ${status})`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreError(`redis did not answer PING within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.guard('ping', () => this.client.ping()), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async insert(jobs: NewJob[], now: number): Promise<InsertResult[]> {
    if (jobs.length === 0) return [];
    const args: Arg[] = [this.keys.tag, now, jobs.length];
    for (const job of jobs) for (const arg of newJobArgs(job)) args.push(arg);
    const rows = (await this.run(scripts().insert, args)) as [number, string | string[]][];
    return rows.map(([created, reply], i) =>
      created === 1 ? { job: insertedJob(reply as string, jobs[i]!, now), created: true } : { job: publicJob(reply as string[]), created: false },
    );
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    if (request.limit <= 0) return [];
    const rows = (await this.run(scripts().claim, [this.keys.tag, ...claimArgs(request)])) as (string | null)[][];
    return rows.map((values) => claimedJob(values, request));
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    if (settlements.length === 0) return [];
    const rows = (await this.run(scripts().settle, [this.keys.tag, ...settleArgs(settlements)])) as number[];
    return rows.map((applied) => applied === 1);
  }

  /** Both in one script, so one round trip: the settlements, then a claim that sees them. */
  async settleAndClaim(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    if (settlements.length === 0) return { settled: [], claimed: await this.claim(request) };
    if (request.limit <= 0) return { settled: await this.settle(settlements), claimed: [] };
    const args = [this.keys.tag, ...settleArgs(settlements), ...claimArgs(request)];
    const [settled, claimed] = (await this.run(scripts().settleAndClaim, args)) as [number[], (string | null)[][]];
    return { settled: settled.map((applied) => applied === 1), claimed: claimed.map((values) => claimedJob(values, request)) };
  }

  async heartbeat(leases: Lease[], now: number): Promise<LeaseState[]> {
    if (leases.length === 0) return [];
    const args: Arg[] = [this.keys.tag, now, leases.length];
    for (const l of leases) args.push(l.id, l.lockToken, l.lockedUntil);
    return (await this.run(scripts().heartbeat, args)) as LeaseState[];
  }

  async saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean> {
    if (!isJobId(id)) return false;
    const saved = await this.run(scripts().progress, [this.keys.tag, id, lockToken, JSON.stringify(progress ?? null), now]);
    return saved === 1;
  }

  async getJob(id: string): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    const flat = await this.guard('getJob', () => this.client.call('HGETALL', this.keys.job(id)) as Promise<string[]>);
    return flat.length === 0 ? null : publicJob(flat);
  }

  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    const statuses = [...new Set(query.status ?? [])];
    const args: Arg[] = [this.keys.tag, query.name ?? '', Math.max(0, query.offset | 0), Math.max(0, query.limit | 0), ...statuses];
    const rows = (await this.run(scripts().list, args)) as string[][];
    return rows.map(publicJob);
  }

  async countJobs(name?: string, statuses: readonly JobStatus[] = JOB_STATUSES): Promise<Record<JobStatus, number>> {
    const key = (status: JobStatus) => (name === undefined ? this.keys.status(status) : `${this.keys.tag}:ns:${status}:${name}`);
    const wanted = JOB_STATUSES.filter((s) => statuses.includes(s));
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    if (wanted.length === 0) return counts;
    const pipeline = this.client.pipeline();
    for (const status of wanted) pipeline.zcard(key(status));
    const replies = await this.guard('countJobs', () => pipeline.exec());
    wanted.forEach((status, i) => {
      const [error, value] = replies?.[i] ?? [new Error('no reply'), 0];
      if (error) throw new StoreError(`redis countJobs failed: ${error.message}`, { cause: error });
      counts[status] = Number(value);
    });
    return counts;
  }

  async history(jobId: string): Promise<HistoryRow[]> {
    if (!isJobId(jobId)) return [];
    // The first record sits in P:hist1, later ones in the job's list (lua/lib.lua). Both are read in one MULTI,
    // so a prune in between cannot be seen halfway, and merged by id (ids grow with time).
    const replies = await this.guard('history', () =>
      this.client.multi().hget(this.keys.firstHistory, jobId).lrange(this.keys.history(jobId), 0, -1).exec(),
    );
    const [[firstError, first], [listError, list]] = replies as [[Error | null, string | null], [Error | null, string[]]];
    const error = firstError ?? listError;
    if (error) throw new StoreError(`redis history failed: ${error.message}`, { cause: error });
    const rows = list.map((text) => JSON.parse(text) as HistoryRow);
    if (first) {
      const row = JSON.parse(first) as HistoryRow;
      const at = rows.findIndex((r) => Number(r.id) > Number(row.id));
      rows.splice(at === -1 ? rows.length : at, 0, row);
    }
    return rows;
  }

  async cancel(id: string, now: number): Promise<CancelResult | null> {
    if (!isJobId(id)) return null;
    const reply = (await this.run(scripts().cancel, [this.keys.tag, id, now])) as [JobStatus, string[]] | null;
    return reply ? { previous: reply[0], job: publicJob(reply[1]) } : null;
  }

  async trigger(id: string, now: number): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    const flat = (await this.run(scripts().trigger, [this.keys.tag, id, now])) as string[] | null;
    return flat ? publicJob(flat) : null;
  }

  async update(id: string, patch: JobPatch, now: number): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    const flat = (await this.run(scripts().update, [this.keys.tag, id, now, ...patchArgs(patch)])) as string[] | null;
    return flat ? publicJob(flat) : null;
  }

  async remove(id: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    return (await this.run(scripts().remove, [this.keys.tag, id])) === 1;
  }

  /** Retention in one script (lua/prune.lua): finished jobs by their finish-time index, then old history records. */
  async prune(request: PruneRequest): Promise<PruneResult> {
    const limit = Math.floor(request.limit);
    if (!(limit > 0)) return { jobs: 0, history: 0 };
    const time = (field: string, value: unknown): number => {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(field, value, 'must be a finite epoch time in ms');
      return value;
    };
    const args: Arg[] = [this.keys.tag, limit, request.historyBefore === null || request.historyBefore === undefined ? '' : time('historyBefore', request.historyBefore)];
    for (const status of PRUNABLE) {
      const cutoff = request.finishedBefore?.[status];
      if (cutoff !== undefined) args.push(status, time(`finishedBefore.${status}`, cutoff));
    }
    let [jobs, history] = (await this.run(scripts().prune, args)) as [number, number];
    if (jobs === -1) {
      // The first prune of this prefix switched the retention indexes on: index what came before, then prune.
      await this.guard('prune', () => backfill(this.client, this.keys));
      [jobs, history] = (await this.run(scripts().prune, args)) as [number, number];
    }
    return { jobs, history };
  }

  async setPaused(name: string, paused: boolean): Promise<void> {
    const key = `${this.keys.tag}:paused`;
    await this.guard('setPaused', () => (paused ? this.client.sadd(key, name) : this.client.srem(key, name)));
  }

  async pausedNames(): Promise<string[]> {
    const names = await this.guard('pausedNames', () => this.client.smembers(`${this.keys.tag}:paused`));
    return names.sort();
  }

  async acquireLock(name: string, owner: string, ttlMs: number, now: number): Promise<boolean> {
    const ttl = Math.max(1, Math.ceil(ttlMs));
    return (await this.run(scripts().lockAcquire, [this.keys.tag, name, owner, ttl, now])) === 1;
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return (await this.run(scripts().lockRelease, [this.keys.tag, name, owner])) === 1;
  }

  async subscribe(onWake: () => void): Promise<() => Promise<void>> {
    const unsubscribe = await this.guard('subscribe', () => subscribeWake(this.client, this.keys.wake, this.logger, onWake));
    const tracked = async () => {
      this.unsubscribers.delete(tracked);
      await unsubscribe();
    };
    this.unsubscribers.add(tracked);
    return tracked;
  }

  private run(script: Script, args: Arg[]): Promise<unknown> {
    return this.guard(script.name, () => script.run(this.client, this.keys.meta, args));
  }

  /** Redis and connection failures become StoreError (code STORE_ERROR); our own typed errors pass through. */
  private async guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof HourglassError) throw error;
      throw new StoreError(`redis ${what} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    }
  }
}

