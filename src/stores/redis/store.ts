/**
 * RedisStore: the Store interface on Redis. Each state change is one Lua script (lua/*.lua), so it is atomic
 * on the server and needs one round trip; reads use plain commands. See docs/stores/redis.md for the key
 * layout, durability settings and the cost of each operation.
 */
import type { Cluster, Redis } from 'ioredis';
import { DedupeConflictError, StoreError, ValidationError, storeError } from '../../core/errors.js';
import { MAX_CHUNK_SIZE } from '../../core/bulk.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import { DEFAULT_ORDER } from '../../core/rules/query.js';
import { earliest, rateFreeAt, ratedNames } from '../../core/rules/rate.js';
import type {
  CancelResult, ClaimRequest, ClaimedJob, FlowJob, GroupPruneRequest, GroupPruneResult, HistoryRow, InsertResult, JobPatch, JobQuery, JobRecord, Lease,
  LeaseState, MigrationStatus, NameLimit, NewJob, ProcessRecord, PruneRequest, PruneResult, Settlement, Store, StoreInitOptions,
  SentEvent, StepRecord, Suspension, GroupCount,
} from '../../core/store.js';
import { GROUP_COUNT_CAP, GROUP_SCAN, groupCountRows } from '../../core/rules/group-counts.js';
import type { RateWindow } from '../../core/rules/rate.js';
import { FINISHED_STATUSES, JOB_STATUSES, type FinishedStatus, type Json, type JobStatus } from '../../core/types.js';
import { claimArgs, settleArgs } from './args.js';
import { claimedJobs, historyRow, insertedJob, newJobArgs, packArgs, patchArgs, publicJob } from './codec.js';
import { checkServerConfig } from './config-check.js';
import { connectOwned, openClient, parseRedisUrl, watchConnection, type RedisTarget } from './connection.js';
import { DEFAULT_PREFIX, assertPrefix, isJobId, keysFor, type Keys } from './keys.js';
import { backfill, migrate, migrationStatus } from './migrate.js';
import { DEFAULT_BUSY_TIMEOUT_MS, retryWhileBusy } from './busy.js';
import { listProcesses, putProcess } from './processes.js';
import { scripts, type Arg, type Script } from './scripts.js';
import { searchJobs, sortedJobs } from './search.js';
import { subscribeWake } from './wake.js';
import * as steps from './steps.js';

export interface RedisStoreOptions {
  /**
   * Where to connect; the store opens its own connection and closes it in close(). `redis://` or `rediss://`
   * (one server), `redis+cluster://host:port,host:port` (a Cluster's startup nodes) or
   * `redis+sentinel://host:port,host:port/<master name>` (Sentinel), `rediss+…` for TLS.
   */
  url?: string;
  /**
   * An ioredis client to reuse, a `Redis` (plain or with `sentinels`) or a `Cluster`; the store never quits it.
   * Must not use keyPrefix (use `prefix`).
   */
  client?: Redis | Cluster;
  /** Namespace of every key, `{prefix}:…` (a cluster hash tag). Default 'hourglass'. */
  prefix?: string;
  /** Start even when maxmemory-policy lets Redis evict keys (jobs can then vanish); logs a warning. */
  allowEvictionPolicy?: boolean;
  /**
   * Send a batch's outcomes together with the next claim (one script call). Off by default: on localhost a settle
   * and a claim in flight together were faster; it may pay where the round trip to Redis is long.
   */
  combineSettleWithClaim?: boolean;
  /**
   * Acknowledge an insert or a settlement only once this many replicas have it (Redis `WAIT`, sent right behind
   * the script on the same connection), else fail it with STORE_ERROR after `timeoutMs`. What a failover can
   * lose with and without it: docs/stores/redis.md, "Replication and failover".
   */
  waitForReplicas?: { replicas: number; timeoutMs: number };
  /**
   * How long a call keeps trying while Redis is busy with another client's long script (it refuses every command
   * then, with a BUSY error) before failing with STORE_ERROR. Default 30000 ms; 0 fails at the first refusal.
   */
  busyTimeoutMs?: number;
}

/** waitForReplicas, checked: whole numbers, and a timeout (WAIT 0 would wait for ever). */
function replicaWait(value: RedisStoreOptions['waitForReplicas']): { replicas: number; timeoutMs: number } | null {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') throw new ValidationError('waitForReplicas', value, 'must be { replicas, timeoutMs }');
  const { replicas, timeoutMs } = value;
  if (!Number.isInteger(replicas) || replicas < 1) throw new ValidationError('waitForReplicas.replicas', replicas, 'must be a whole number of at least 1');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new ValidationError('waitForReplicas.timeoutMs', timeoutMs, 'must be a whole number of ms, at least 1');
  return { replicas, timeoutMs };
}

/** The operations waitForReplicas makes wait: what a failover must not lose once acknowledged. */
const REPLICATED = new Set(['insert', 'settle', 'settleAndClaim']);

/** How long ping() waits for PONG before calling the server unresponsive. */
const PING_TIMEOUT_MS = 2_000;

export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly preferSettleAndClaim: boolean;
  readonly prefix: string;
  private readonly keys: Keys;
  /**
   * The connection in use. An owned one is replaced by a new one on the first init() after close(). Possibly a
   * Cluster (connection.ts RedisClient), typed as Redis because the helpers it is handed send only commands the
   * two share, each on keys of the prefix's one slot.
   */
  private client: Redis;
  /** Set when the store opened the connection from a url (and so quits it in close()). */
  private readonly url: RedisTarget | null;
  private readonly waitForReplicas: { replicas: number; timeoutMs: number } | null;
  private readonly busyTimeoutMs: number;
  /** close() quit the owned connection: the next init() opens a new one (a quit ioredis client stays ended). */
  private reopen = false;
  private readonly allowEvictionPolicy: boolean;
  private logger: Logger = silentLogger;
  private warnedBigInsert = false;
  private initialised?: Promise<void>;
  private unwatch?: () => void;
  private readonly unsubscribers = new Set<() => Promise<void>>();

  constructor(options: RedisStoreOptions, prefix?: string) {
    if (options === null || typeof options !== 'object') throw new ValidationError('options', options, 'must be { url } or { client }');
    this.prefix = assertPrefix(prefix ?? options.prefix ?? DEFAULT_PREFIX);
    this.keys = keysFor(this.prefix);
    this.allowEvictionPolicy = options.allowEvictionPolicy === true;
    this.preferSettleAndClaim = options.combineSettleWithClaim === true;
    this.waitForReplicas = replicaWait(options.waitForReplicas);
    this.busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    if (!Number.isInteger(this.busyTimeoutMs) || this.busyTimeoutMs < 0) {
      throw new ValidationError('busyTimeoutMs', options.busyTimeoutMs, 'must be a whole number of ms, 0 or more');
    }
    if (options.client) {
      if (options.url) throw new ValidationError('options', options, 'give either url or client, not both');
      if (options.client.options?.keyPrefix) {
        throw new ValidationError('client.options.keyPrefix', options.client.options.keyPrefix, 'is not supported: pass prefix to RedisStore instead');
      }
      this.client = options.client as Redis;
      this.url = null;
    } else {
      this.url = parseRedisUrl(options.url);
      // Lazy: no socket until init().
      this.client = openClient(this.url) as Redis;
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
    if (this.url !== null) {
      try {
        // A server busy with another client's script refuses ioredis's ready check; the failed client has ended,
        // so each attempt opens a new one.
        await this.connect().catch((error: unknown) => retryWhileBusy('connect', () => this.connect(), error, this.busyTimeoutMs, logger));
      } catch (error) {
        throw storeError(this.kind, 'connect', error);
      }
      this.unwatch ??= watchConnection(this.client, logger, 'connection');
    }
    const check = () => checkServerConfig(this.client, logger, this.allowEvictionPolicy, this.waitForReplicas !== null);
    await check().catch((error: unknown) => retryWhileBusy('start', check, error, this.busyTimeoutMs, logger));
    await this.migrate();
  }

  /** Connects the owned client, first replacing it when it cannot be used again. */
  private async connect(): Promise<void> {
    if (this.reopen || this.client.status === 'end') {
      // Opened here rather than in close(): a lazy client connects on its first command, and a stray call
      // after close() must fail rather than open a connection nobody closes. 'end': a failed first connect.
      this.reopen = false;
      this.unwatch?.();
      this.unwatch = undefined;
      this.client = openClient(this.url!) as Redis;
    }
    // On failure the client has ended: no socket, no reconnect timer (connection.ts).
    if (this.client.status === 'wait') await connectOwned(this.client);
  }

  /**
   * Quit what the store opened (the wake-up subscriptions, and the connection when it came from a url); a
   * client passed in is left open. Everything is captured first, so an init() that starts meanwhile (a
   * stopped Scheduler used again at once) opens its own connection and is not undone by this one.
   */
  async close(): Promise<void> {
    const client = this.client;
    const unwatch = this.unwatch;
    const unsubscribers = [...this.unsubscribers];
    this.unsubscribers.clear();
    this.unwatch = undefined;
    this.initialised = undefined;
    if (this.url !== null) this.reopen = true;
    await Promise.all(unsubscribers.map((unsubscribe) => unsubscribe()));
    if (this.url !== null && client.status === 'wait') {
      client.disconnect(); // never connected: QUIT would connect first just to send it
    } else if (this.url !== null && client.status !== 'end') {
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    }
    unwatch?.();
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
    if (jobs.length > MAX_CHUNK_SIZE && !this.warnedBigInsert) {
      // One script is atomic, so it holds the server for the whole batch (~25-35 µs a job): every other client,
      // heartbeats included, waits. Said once per store; the streamed form keeps each script short.
      this.warnedBigInsert = true;
      this.logger.warn(
        { jobs: jobs.length },
        `an insert of ${jobs.length} jobs runs as one Redis script and blocks the server while it runs; for big batches pass scheduleBulk(specs, { chunkSize }) (at most ${MAX_CHUNK_SIZE} a chunk)`,
      );
    }
    const args = (): Arg[] => {
      const list: Arg[] = [this.keys.tag, now, jobs.length];
      for (const job of jobs) list.push(packArgs(newJobArgs(job, now)));
      return list;
    };
    return this.run('insert', scripts().insert, args, (rows: [number, string | string[]][]) =>
      rows.map(([created, reply], i) =>
        created === 1 ? { job: insertedJob(reply as string, jobs[i]!, now), created: true } : { job: publicJob(reply as string[]), created: false },
      ),
    );
  }

  /** lua/insert_flow.lua: the whole graph in one script (rules/flow.ts). */
  async insertFlow(jobs: FlowJob[], now: number): Promise<InsertResult[]> {
    if (jobs.length === 0) return [];
    const args = (): Arg[] => {
      const list: Arg[] = [this.keys.tag, now, jobs.length];
      for (const job of jobs) {
        // insert.lua's first 14 values (through group): a flow node has no dedupeFor or replace.
        for (const arg of newJobArgs(job, now).slice(0, 14)) list.push(arg);
        list.push(JSON.stringify(job.flow), job.after.join(','), job.after.map((i) => JSON.stringify(jobs[i]!.flow.key)).join('\n'), job.flow.onDependencyFailure === 'run' ? '1' : '0', job.once === true ? '1' : '0');
      }
      return list;
    };
    return this.run('insertFlow', scripts().insertFlow, args, (rows: [number, string[]][]) => rows.map(([created, flat]) => ({ job: publicJob(flat), created: created === 1 })));
  }

  async claim(request: ClaimRequest): Promise<ClaimedJob[]> {
    // Even with limit 0 the script runs: a claim recovers expired locks first, whatever it then takes.
    return this.run('claim', scripts().claim, [this.keys.tag, ...claimArgs(request)], (reply: string) =>
      claimedJobs(reply, request),
    );
  }

  async rateFreeAt(limits: NameLimit[], now: number): Promise<number | null> {
    const rated = ratedNames(limits);
    if (rated.length === 0) return null;
    const args: Arg[] = [this.keys.tag, now];
    for (const { name, rate } of rated) args.push(name, rate.perMs, rate.byGroup ? 1 : 0);
    return this.run('rateFreeAt', scripts().rateFreeAt, args, (rows: [number, string | null][]) =>
      earliest(rated.map(({ rate }, i) => rateFreeAt(rate, { used: Number(rows[i]![0]), oldest: rows[i]![1] === null ? null : Number(rows[i]![1]) }))),
    );
  }

  async pruneGroups(request: GroupPruneRequest): Promise<GroupPruneResult> {
    const [name, group] = request.cursor === null ? ['', ''] : (JSON.parse(request.cursor) as [string, string]);
    const args: Arg[] = [this.keys.tag, request.now, request.rateBefore, Math.max(0, request.limit), name, group];
    return this.run('pruneGroups', scripts().pruneGroups, args, ([forgotten, visited, lastName, lastGroup]: [number, number, string | null, string | null]) => ({
      forgotten,
      next: visited < request.limit || lastName === null ? null : JSON.stringify([lastName, lastGroup]),
    }));
  }

  async settle(settlements: Settlement[]): Promise<boolean[]> {
    if (settlements.length === 0) return [];
    return this.run('settle', scripts().settle, () => [this.keys.tag, ...settleArgs(settlements)], (rows: number[]) => rows.map((applied) => applied === 1));
  }

  /** Both in one script, so one round trip: the settlements, then a claim that sees them. */
  async settleAndClaim(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }> {
    if (settlements.length === 0) return { settled: [], claimed: await this.claim(request) };
    const args = () => [this.keys.tag, ...settleArgs(settlements), ...claimArgs(request)];
    return this.run('settleAndClaim', scripts().settleAndClaim, args, ([settled, claimed]: [number[], string]) => ({
      settled: settled.map((applied) => applied === 1),
      claimed: claimedJobs(claimed, request),
    }));
  }

  async heartbeat(leases: Lease[], now: number): Promise<LeaseState[]> {
    if (leases.length === 0) return [];
    const args: Arg[] = [this.keys.tag, now, leases.length];
    for (const l of leases) args.push(l.id, l.lockToken, l.lockedUntil);
    return this.run('heartbeat', scripts().heartbeat, args, (states: LeaseState[]) => states);
  }

  async saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean> {
    if (!isJobId(id)) return false;
    return this.run('saveProgress', scripts().progress, () => [this.keys.tag, id, lockToken, JSON.stringify(progress ?? null), now], (saved) => saved === 1);
  }

  async getJob(id: string): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    return this.guard('getJob', async () => {
      const flat = (await this.client.call('HGETALL', this.keys.job(id))) as string[];
      return flat.length === 0 ? null : publicJob(flat);
    });
  }

  /** One pipeline of HGETALLs (no script: a top-level read costs Redis a third of one made by a script), in the order of `ids`. */
  async getJobs(ids: readonly string[]): Promise<JobRecord[]> {
    const keys = ids.filter(isJobId);
    if (keys.length === 0) return [];
    return this.guard('getJobs', async () => {
      const pipeline = this.client.pipeline();
      for (const id of keys) pipeline.call('HGETALL', this.keys.job(id));
      const replies = (await pipeline.exec()) ?? [];
      const found: JobRecord[] = [];
      for (const [error, flat] of replies) {
        if (error) throw error;
        if ((flat as string[]).length > 0) found.push(publicJob(flat as string[]));
      }
      return found;
    });
  }

  /**
   * In insertion order from the status indexes (list.lua); pending jobs of every name by nextRunAt from the ready
   * and scheduled zsets (list_pending.lua); a text, `repeating` or any other order through chunked walks
   * (search.ts, which says what each costs).
   */
  async listJobs(query: JobQuery): Promise<JobRecord[]> {
    const statuses = [...new Set(query.status ?? [])];
    const offset = Math.max(0, query.offset | 0);
    const limit = Math.max(0, query.limit | 0);
    if (limit === 0) return [];
    const order = query.order ?? DEFAULT_ORDER;
    // An empty text matches every job (matchesText), so only a non-empty one is a filter.
    const text = typeof query.text === 'string' && query.text !== '' ? query.text : '';
    const repeating = query.repeating === true;
    const group = query.group;
    const page = { ...query, offset, limit, ...(text === '' ? { text: undefined } : {}) };
    if (order.by === 'createdAt') {
      if (text === '' && !repeating && group === undefined) {
        const args: Arg[] = [this.keys.tag, query.name ?? '', offset, limit, order.dir, ...statuses];
        return this.run('listJobs', scripts().list, args, (rows: string[][]) => rows.map(publicJob));
      }
      const walk = { name: query.name ?? '', text, statuses, offset, limit, dir: order.dir, repeating, ...(group !== undefined ? { group } : {}) };
      return this.guard('listJobs', () => searchJobs(this.client, this.keys, walk));
    }
    if (order.by === 'nextRunAt' && text === '' && !repeating && group === undefined && query.name === undefined && statuses.length === 1 && statuses[0] === 'pending') {
      return this.run('listJobs', scripts().listPending, [this.keys.tag, offset, limit, order.dir], (rows: string[][]) => rows.map(publicJob));
    }
    return this.guard('listJobs', () => sortedJobs(this.client, this.keys, page, order));
  }

  /** group_counts.lua: bounded as rules/group-counts.ts says. */
  async groupCounts(name: string, now: number): Promise<GroupCount[]> {
    return this.run('groupCounts', scripts().groupCounts, [this.keys.tag, name, now, GROUP_SCAN, GROUP_COUNT_CAP], (rows: [string, number, number][]) =>
      groupCountRows(rows.map(([group, due, running]) => ({ group, due: Number(due), running: Number(running) }))),
    );
  }

  /** rate_window.lua. */
  async rateWindow(name: string, key: string, perMs: number, now: number): Promise<RateWindow> {
    return this.run('rateWindow', scripts().rateWindow, [this.keys.tag, name, key, perMs, now], ([used, oldest]: [number, string]) => ({
      used: Number(used),
      oldest: oldest === '' ? null : Number(oldest),
    }));
  }

  async countJobs(name?: string, statuses: readonly JobStatus[] = JOB_STATUSES): Promise<Record<JobStatus, number>> {
    const key = (status: JobStatus) => (name === undefined ? this.keys.status(status) : `${this.keys.tag}:ns:${status}:${name}`);
    const wanted = JOB_STATUSES.filter((s) => statuses.includes(s));
    const counts = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    if (wanted.length === 0) return counts;
    return this.guard('countJobs', async () => {
      const pipeline = this.client.pipeline();
      for (const status of wanted) pipeline.zcard(key(status));
      const replies = await pipeline.exec();
      wanted.forEach((status, i) => {
        const [error, value] = replies?.[i] ?? [new Error('no reply'), 0];
        if (error) throw error;
        counts[status] = Number(value);
      });
      return counts;
    });
  }

  async history(jobId: string, limit?: number): Promise<HistoryRow[]> {
    if (!isJobId(jobId)) return [];
    // The first record sits in P:hist1, later ones in the job's list (lua/lib.lua). Both are read in one MULTI,
    // so a prune in between cannot be seen halfway, and merged by id (ids grow with time). With a limit, the
    // list's newest `limit` (its tail) and the first record hold the newest `limit` of all.
    return this.guard('history', async () => {
      const replies = await this.client.multi().hget(this.keys.firstHistory, jobId).lrange(this.keys.history(jobId), limit === undefined ? 0 : -limit, -1).exec();
      const [[firstError, first], [listError, list]] = replies as [[Error | null, string | null], [Error | null, string[]]];
      const error = firstError ?? listError;
      if (error) throw error;
      const rows = list.map(historyRow);
      if (first) {
        const row = historyRow(first);
        const at = rows.findIndex((r) => Number(r.id) > Number(row.id));
        rows.splice(at === -1 ? rows.length : at, 0, row);
      }
      return limit === undefined ? rows : rows.slice(-limit);
    });
  }

  async cancel(id: string, now: number): Promise<CancelResult | null> {
    if (!isJobId(id)) return null;
    return this.run('cancel', scripts().cancel, [this.keys.tag, id, now], (reply: [JobStatus, string[]] | null) =>
      reply ? { previous: reply[0], job: publicJob(reply[1]) } : null,
    );
  }

  async trigger(id: string, now: number): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    // trigger.lua answers nil (unknown id), { 'job', HGETALL } or { 'conflict', holder id, dedupe key }.
    return this.run('trigger', scripts().trigger, [this.keys.tag, id, now], (reply: [string, string[] | string, string?] | null) => {
      if (reply === null) return null;
      if (reply[0] === 'conflict') throw new DedupeConflictError(id, reply[2]!, reply[1] as string);
      return publicJob(reply[1] as string[]);
    });
  }

  async update(id: string, patch: JobPatch, now: number): Promise<JobRecord | null> {
    if (!isJobId(id)) return null;
    return this.run('update', scripts().update, () => [this.keys.tag, id, now, ...patchArgs(patch)], (flat: string[] | null) => (flat ? publicJob(flat) : null));
  }

  async remove(id: string, now: number = Date.now()): Promise<boolean> {
    if (!isJobId(id)) return false;
    return this.run('remove', scripts().remove, [this.keys.tag, id, now], (removed) => removed === 1);
  }

  /** Retention in one script (lua/prune.lua): finished jobs by their finish-time index, then old history records. */
  async prune(request: PruneRequest): Promise<PruneResult> {
    const limit = Math.floor(request.limit);
    if (!(limit > 0)) return { jobs: 0, history: 0 };
    const time = (field: string, value: unknown): number => {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ValidationError(field, value, 'must be a finite epoch time in ms');
      return value;
    };
    const args: Arg[] = [
      this.keys.tag,
      limit,
      request.historyBefore === null || request.historyBefore === undefined ? '' : time('historyBefore', request.historyBefore),
      request.now === undefined ? Date.now() : time('now', request.now),
    ];
    // In core's order: prune.lua takes the statuses in the order their cutoffs come (core/rules/prune.ts).
    for (const status of FINISHED_STATUSES) {
      const cutoff = request.finishedBefore?.[status];
      if (cutoff !== undefined) args.push(status, time(`finishedBefore.${status}`, cutoff));
    }
    return this.guard('prune', async () => {
      const prune = scripts().prune;
      let [jobs, history] = (await prune.run(this.client, this.keys.meta, args)) as [number, number];
      if (jobs === -1) {
        // The first prune of this prefix switched the retention indexes on: index what came before, then prune.
        await backfill(this.client, this.keys);
        [jobs, history] = (await prune.run(this.client, this.keys.meta, args)) as [number, number];
      }
      return { jobs, history };
    });
  }

  async finishedAt(status: FinishedStatus, rank: number): Promise<number | null> {
    const args: Arg[] = [this.keys.tag, status, Math.max(0, Math.floor(rank))];
    return this.guard('finishedAt', async () => {
      const script = scripts().finishedAt;
      let found = (await script.run(this.client, this.keys.meta, args)) as string | number | null;
      if (found === -1) {
        // This call switched the retention indexes on (as the first prune would): index what came before.
        await backfill(this.client, this.keys);
        found = (await script.run(this.client, this.keys.meta, args)) as string | null;
      }
      return found === null ? null : Number(found);
    });
  }

  /** One script: the record written and the silent ones forgotten together (processes.ts). */
  async putProcess(record: ProcessRecord, forgetBefore: number): Promise<void> {
    await this.guard('putProcess', () => putProcess(this.client, this.keys, record, forgetBefore));
  }

  async listProcesses(): Promise<ProcessRecord[]> {
    return this.guard('listProcesses', () => listProcesses(this.client, this.keys));
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
    return this.run('acquireLock', scripts().lockAcquire, [this.keys.tag, name, owner, ttl, now], (acquired) => acquired === 1);
  }

  async releaseLock(name: string, owner: string): Promise<boolean> {
    return this.run('releaseLock', scripts().lockRelease, [this.keys.tag, name, owner], (released) => released === 1);
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

  /**
   * One script for one Store operation. Its arguments are encoded (JSON of data, results, progress) and its
   * reply decoded inside the guard: a value JSON cannot hold, or a job that does not decode, is a store error too.
   */
  private run<R, T>(operation: string, script: Script, args: Arg[] | (() => Arg[]), decode: (reply: R) => T): Promise<T> {
    return this.guard(operation, async () => {
      const argv = typeof args === 'function' ? args() : args;
      if (this.waitForReplicas !== null && REPLICATED.has(operation)) return decode((await this.runReplicated(operation, script, argv)) as R);
      return decode((await script.run(this.client, this.keys.meta, argv)) as R);
    });
  }

  /**
   * The script, then WAIT, in one pipeline: on one connection (on a Cluster, the one to the prefix's node, where
   * the keyless WAIT follows the script), so WAIT covers this write. Fewer replicas than asked for within the
   * timeout fails the call: the write is on the master but a failover may still lose it, so it is not
   * acknowledged (the caller retries; a settlement retried after it applied reports its lease lost).
   */
  private async runReplicated(operation: string, script: Script, argv: Arg[]): Promise<unknown> {
    const { replicas, timeoutMs } = this.waitForReplicas!;
    const send = async (command: 'EVALSHA' | 'EVAL') => {
      const replies = await this.client.pipeline().call(command, [command === 'EVALSHA' ? script.sha : script.source, 1, this.keys.meta, ...argv]).call('WAIT', replicas, timeoutMs).exec();
      if (!replies || replies.length !== 2) throw new StoreError(`redis ${operation}: no reply from the pipeline`);
      return replies as [[Error | null, unknown], [Error | null, unknown]];
    };
    let [[error, reply], [waitError, acked]] = await send('EVALSHA');
    if (error && String(error.message).startsWith('NOSCRIPT')) [[error, reply], [waitError, acked]] = await send('EVAL');
    if (error) throw error;
    if (waitError) throw waitError;
    if (Number(acked) < replicas) {
      throw new StoreError(
        `redis ${operation}: written on the master but acknowledged by ${Number(acked)} of ${replicas} replicas within ${timeoutMs} ms ` +
          '(waitForReplicas): a failover could lose it',
      );
    }
    return reply;
  }

  /**
   * How every error leaves the store (storeError): a Redis, connection or decoding failure becomes StoreError
   * (code STORE_ERROR) naming the operation, with the original as cause; our own typed errors pass through.
   */
  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      try {
        return await fn();
      } catch (error) {
        return await retryWhileBusy(operation, fn, error, this.busyTimeoutMs, this.logger);
      }
    } catch (error) {
      throw storeError(this.kind, operation, error);
    }
  }

  // ---- durable runs (steps.ts, lua/shared/steps.lua) ----------------------------------------------------------

  async loadSteps(id: string): Promise<StepRecord[]> {
    return this.guard('loadSteps', () => steps.loadSteps(this.client, this.keys.tag, id));
  }

  async saveStep(id: string, lockToken: string, step: StepRecord, _now: number): Promise<boolean> {
    if (!isJobId(id)) return false;
    return this.run('saveStep', scripts().stepSave, () => [this.keys.tag, id, lockToken, step.key, JSON.stringify(step)], (saved) => saved === 1);
  }

  async clearSteps(id: string, lockToken: string): Promise<boolean> {
    if (!isJobId(id)) return false;
    return this.run('clearSteps', scripts().stepClear, [this.keys.tag, id, lockToken], (cleared) => cleared === 1);
  }

  async suspend(s: Suspension): Promise<boolean> {
    if (!isJobId(s.id)) return false;
    return this.run('suspend', scripts().stepSuspend, () => steps.suspendArgs(this.keys.tag, s), (applied) => applied === 1);
  }

  async findEvent(name: string, match: Record<string, Json>, since: number): Promise<SentEvent | null> {
    return this.guard('findEvent', () => steps.findEvent(this.client, this.keys.tag, name, match, since));
  }

  async pruneEvents(before: number): Promise<number> {
    return this.run('pruneEvents', scripts().pruneEvents, () => [this.keys.tag, before], (forgotten: number) => Number(forgotten));
  }

  async sendEvent(name: string, payload: Json, now: number): Promise<number> {
    return this.run('sendEvent', scripts().eventSend, () => steps.sendEventArgs(this.keys.tag, name, payload, now), (woken: number) => Number(woken));
  }
}
