/**
 * Scheduler: the public face of hourglass. It validates input, turns it into store operations, and runs a
 * Worker that claims and executes jobs. Every method works before start() (the store is opened on first use),
 * so a process may only enqueue and never run jobs.
 */
import { EventEmitter } from 'node:events';
import { ActivityLog, summarise, type ActivityReport } from './activity.js';
import { DedupeConflictError, JobNotFoundError, JobStateError, SchedulerClosedError, StoreError, ValidationError } from './errors.js';
import { toJob } from './job-view.js';
import type { Logger } from './logger.js';
import { fromEvery, fromSpec, fromWhen, normaliseDefine, assertObject, assertKnownKeys, assertGroup, type NormaliseContext } from './normalise.js';
import { Registry } from './registry.js';
import { JOB_ORDER_FIELDS } from './rules/query.js';
import { globalRate, groupsReport } from './groups-report.js';
import { rankGroups } from './rules/group-counts.js';
import type { RateWindow } from './rules/rate.js';
import type { HistoryRow, InsertResult, JobOrder, JobOrderField, JobPatch, JobRecord, NameCounts, NewJob, ProcessRecord, Store } from './store.js';
import { mergeHistory, stepHistory } from './step-history.js';
import { tracing } from './tracing.js';
import { parseDuration, parsePositiveDuration } from './time/duration.js';
import { parsePriority } from './time/priority.js';
import { firstOccurrence, jitterOffset, normaliseRepeat } from './time/repeat.js';
import { parseWhen } from './time/when.js';
import type {
  BulkOptions,
  BulkSummary,
  DefineOptions,
  Duration,
  FlowNode,
  EveryOptions,
  HealthReport,
  HistoryRecord,
  Job,
  JobHandler,
  AnyJobs,
  DataArgs,
  JobName,
  JobOf,
  JobOptions,
  JobsClient,
  Json,
  SpecOf,
  JobStatus,
  ListJobsFilter,
  Priority,
  RepeatOptions,
  ScheduleSpec,
  SchedulerEventName,
  SchedulerEvents,
  StopOptions,
} from './types.js';
import { JOB_STATUSES, SCHEDULER_EVENTS, type GroupsReport } from './types.js';
import { MAX_INT32, assertInt, assertJson, assertName, assertStorableText } from './validate.js';
import { Worker } from './worker.js';
import { resolveOptions, type SchedulerOptions } from './options.js';
import { parseRetention, RetentionSweeper, sweep, type RetentionOptions, type RetentionPolicy } from './retention.js';
import { WEBHOOK_JOB } from './webhooks.js';
import { InsertBatcher } from './insert-batcher.js';
import { flowJobs } from './flow.js';
import { chunkSizeOf, insertInChunks } from './bulk.js';
import { ProcessHeartbeat, toProcessInfo, type ProcessInfo } from './processes.js';
import { JobWatch, pollDelay } from './wait-for.js';
export type { SchedulerOptions } from './options.js';


/**
 * J: the job map (names and their data types; see AnyJobs), C: the fields the `context` option adds to every
 * handler's ctx (inferred from the option).
 */
export class Scheduler<J extends object = AnyJobs, C extends object = {}> extends EventEmitter implements JobsClient<J> {
  readonly workerId: string;
  readonly logger: Logger;
  readonly timezone: string;
  /** Distributed locks on the scheduler's store: acquire(name, owner, ttl) / release(name, owner). */
  readonly locks: {
    acquire(name: string, owner: string, ttl: Duration): Promise<boolean>;
    release(name: string, owner: string): Promise<boolean>;
  };
  private storeInstance: Store | null;
  private ready: Promise<Store> | null = null;
  private readonly registry: Registry;
  private readonly worker: Worker;
  private readonly clock: () => number;
  private readonly context: Record<string, unknown>;
  private started = false;
  /** Sweeps old finished jobs and history while workers run; null without the retention option. */
  private readonly sweeper: RetentionSweeper | null;
  private readonly retention: RetentionPolicy | null;
  private lastStoreError: { error: Error; at: number } | null = null;
  private closed = false;
  /** This process's runs per minute and name (activity()), fed by the worker for every recorded outcome. */
  private readonly activityLog = new ActivityLog();
  /** This process's waitFor() calls (watchers): their jobs read together, again at once when it sees them end (wait-for.ts). */
  private readonly watch = new JobWatch(async (ids) => {
    const store = await this.store();
    if (store.getJobs) return store.getJobs(ids);
    return (await Promise.all(ids.map((id) => store.getJob(id)))).filter((job): job is JobRecord => job !== null);
  }, pollDelay, () => this.clock());
  /** Writes this process's record to the store while it runs (processes()). */
  private readonly heartbeat: ProcessHeartbeat;
  private readingProcesses: Promise<ProcessRecord[]> | null = null;
  /** concurrency, lockLimit and the prefetch option (null: the store's default), for holdLimits(). */
  private readonly holding: { concurrency: number; lockLimit: number; prefetch: number | null };

  constructor(options: SchedulerOptions<C> = {}) {
    super();
    const config = resolveOptions(options);
    const o = config.options;
    this.holding = { concurrency: config.concurrency, lockLimit: config.lockLimit, prefetch: config.prefetch };
    this.logger = config.logger;
    this.timezone = config.timezone;
    this.clock = config.clock;
    this.workerId = config.workerId;
    this.context = config.context;
    const { concurrency, lockLimit, pollIntervalMs } = config;
    this.registry = new Registry(config.defaults, config.lockLifetimeMs, o.handler ?? null);
    this.storeInstance = o.store ?? null;
    if (this.storeInstance !== null && (typeof this.storeInstance !== 'object' || typeof this.storeInstance.claim !== 'function')) {
      throw new ValidationError('options.store', o.store, 'must be a store (SqliteStore, PostgresStore, RedisStore)');
    }
    const self = this;
    const followUps = new InsertBatcher(async (jobs) => this.insert(jobs));
    this.worker = new Worker({
      workerId: this.workerId,
      logger: this.logger,
      now: this.clock,
      // A function: the default store is created lazily, on first use.
      store: () => self.storeInstance!,
      registry: this.registry,
      limits: { slots: Math.min(concurrency, lockLimit), ...this.holdLimits(this.storeInstance), pollIntervalMs },
      events: {
        emit: (event, ...args) => this.safeEmit(event, ...args),
        // A waitFor() of this process hears job:complete too (safeEmit), without a listener of the user's emitter.
        listens: (event) => this.listenerCount(event) > 0 || (event === 'job:complete' && this.watch.size > 0),
        ran: (name, verdict, runMs, at) => this.activityLog.record(name, verdict, runMs, at),
      },
      storeHealth: {
        failed: (error) => {
          this.lastStoreError = { error, at: this.clock() };
          this.safeEmit('scheduler:error', error);
        },
        recovered: () => {
          this.lastStoreError = null;
          this.logger.info('store reachable again');
        },
      },
      jobs: {
        view: (record) => this.view(record),
        // The Scheduler is the JobsClient handlers get as ctx.scheduler (its job map is not carried into ctx).
        client: this as unknown as JobsClient,
        extras: this.context,
        followUpJob: (spec, field) => fromSpec(spec, field, this.normaliseContext()),
        enqueue: (jobs) => followUps.add(jobs),
        flowJobs: (nodes, field) => flowJobs(nodes, field, this.normaliseContext()),
        enqueueFlow: async (jobs) => {
          await this.insert(jobs, (store, now) => store.insertFlow(jobs, now));
        },
        webhooks: config.webhooks,
      },
    });
    if (config.webhooks !== null) {
      // Deliveries are jobs like any other; each carries its hook's attempts, backoff and timeout.
      (this as unknown as Scheduler).define(WEBHOOK_JOB, config.webhooks.deliver as JobHandler);
    }
    this.heartbeat = new ProcessHeartbeat({
      workerId: this.workerId,
      concurrency,
      logger: this.logger,
      activity: this.activityLog,
      now: this.clock,
      running: () => this.worker.activeCount,
      names: () => (this.registry.fallback !== null ? null : [...this.registry.definitions.keys()]),
      store: () => this.store(),
    });
    this.retention = config.retention;
    this.sweeper =
      config.retention === null
        ? null
        : new RetentionSweeper(config.retention, () => this.store(), this.clock, this.logger, (error) => {
            this.lastStoreError = { error, at: this.clock() };
            this.safeEmit('scheduler:error', error);
          });
    this.locks = {
      acquire: async (name, owner, ttl) => {
        const store = await this.store();
        return store.acquireLock(assertName(name, 'name'), assertName(owner, 'owner'), parsePositiveDuration(ttl, 'ttl'), this.clock());
      },
      release: async (name, owner) => (await this.store()).releaseLock(assertName(name, 'name'), assertName(owner, 'owner')),
    };
  }

  // ---- events ---------------------------------------------------------------------------------------------

  // Only the scheduler's own events: a misspelt one ('job:finished') is a compile error, not a silent listener.
  override on<E extends SchedulerEventName>(event: E, listener: (...args: SchedulerEvents[E]) => void): this;
  override on(event: SchedulerEventName, listener: (...args: any[]) => void): this {
    return super.on(listenable(event), listener);
  }

  override once<E extends SchedulerEventName>(event: E, listener: (...args: SchedulerEvents[E]) => void): this;
  override once(event: SchedulerEventName, listener: (...args: any[]) => void): this {
    return super.once(listenable(event), listener);
  }

  override addListener<E extends SchedulerEventName>(event: E, listener: (...args: SchedulerEvents[E]) => void): this;
  override addListener(event: SchedulerEventName, listener: (...args: any[]) => void): this {
    return super.addListener(listenable(event), listener);
  }

  override prependListener<E extends SchedulerEventName>(event: E, listener: (...args: SchedulerEvents[E]) => void): this;
  override prependListener(event: SchedulerEventName, listener: (...args: any[]) => void): this {
    return super.prependListener(listenable(event), listener);
  }

  override prependOnceListener<E extends SchedulerEventName>(event: E, listener: (...args: SchedulerEvents[E]) => void): this;
  override prependOnceListener(event: SchedulerEventName, listener: (...args: any[]) => void): this {
    return super.prependOnceListener(listenable(event), listener);
  }

  /**
   * A listener that throws must never break the worker loop: it is logged and the others still run.
   * rawListeners(), not listeners(): the raw list keeps once()'s wrappers, so calling one removes it.
   */
  private safeEmit<E extends SchedulerEventName>(event: E, ...args: SchedulerEvents[E]): void {
    if ((event === 'job:complete' || event === 'job:cancel') && this.watch.size > 0) this.watch.wake((args[0] as Job).id);
    // The worker emits job:start for every run: with nobody listening, skip the copy rawListeners() makes.
    if (this.listenerCount(event) === 0) return;
    for (const listener of this.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (error) {
        this.logger.error({ err: error, event }, 'an event listener threw');
      }
    }
  }

  // ---- lifecycle ------------------------------------------------------------------------------------------

  /**
   * How many jobs the worker holds: ahead of its free slots (the prefetch option, else the store's default,
   * Store.defaultPrefetch, at least 10 × concurrency), and in all (lockLimit bounds both). `store` null: the
   * default store, not made yet; store() applies its own once it is.
   */
  private holdLimits(store: Store | null): { prefetch: number; holdLimit: number; lockLimit: number } {
    const { concurrency, lockLimit, prefetch: option } = this.holding;
    const prefetch = option ?? Math.max(10 * concurrency, store?.defaultPrefetch ?? 0);
    return { prefetch, holdLimit: Math.min(concurrency + prefetch, lockLimit), lockLimit };
  }

  /**
   * The store, opened and migrated on first use, and opened again on the first use after stop() (which
   * releases the connections so a process can exit). After close() it throws SchedulerClosedError.
   */
  private store(): Promise<Store> {
    if (this.closed) return Promise.reject(new SchedulerClosedError());
    if (!this.ready) {
      const opening = (async (): Promise<Store> => {
        let store = this.storeInstance;
        if (!store) {
          const { SqliteStore } = await import('../stores/sqlite/index.js');
          store = this.storeInstance = new SqliteStore({ path: './hourglass.db' });
          this.worker.holdLimits(this.holdLimits(store));
        }
        try {
          await store.init({ logger: this.logger });
        } catch (error) {
          // A half-open store (a client still retrying its connection) would keep the process alive.
          await store.close().catch(() => undefined);
          throw error;
        }
        return store;
      })();
      this.ready = opening;
      opening.catch(() => {
        if (this.ready === opening) this.ready = null;
      });
    }
    return this.ready;
  }

  define<N extends JobName<J>, R = unknown>(name: N, handler: JobHandler<J[N], R, C>, options?: DefineOptions): this {
    assertName(name, 'name');
    if (typeof handler !== 'function') throw new ValidationError('handler', handler, 'must be a function');
    this.registry.define(name, { ...normaliseDefine(options, 'options'), handler: handler as JobHandler });
    if (this.worker.isRunning) this.worker.kick();
    return this;
  }

  /** Open the store and start claiming jobs. */
  async start(): Promise<void> {
    if (this.started) return;
    await this.store();
    this.started = true;
    await this.worker.start();
    this.sweeper?.start();
    this.heartbeat.start();
    this.safeEmit('scheduler:start');
  }

  /**
   * Stop claiming, drain or abort running jobs (see StopOptions), then release the store's connections so the
   * process can exit. The scheduler stays usable: a later call (now, getJob, listJobs, start...) opens them
   * again. close() is the final step.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    const o = assertObject(options, 'options') as StopOptions;
    assertKnownKeys(o, ['graceful', 'timeoutMs'], 'options');
    const timeoutMs = o.timeoutMs === undefined ? 30_000 : assertInt(o.timeoutMs, 'options.timeoutMs', 0);
    await this.worker.stop(o.graceful !== false, timeoutMs);
    await this.sweeper?.stop();
    await this.heartbeat.stop();
    const wasStarted = this.started;
    this.started = false;
    if (this.ready) {
      const store = await this.ready.catch(() => null);
      this.ready = null;
      await store?.close();
    }
    if (wasStarted) this.safeEmit('scheduler:stop');
  }

  /**
   * stop() (gracefully, with its options), then close the store for good: every later call throws
   * SchedulerClosedError. The connections a store was given (a pg Pool, an ioredis client) stay the caller's.
   */
  async close(options: StopOptions = {}): Promise<void> {
    if (this.closed) return;
    await this.stop(options);
    this.closed = true;
    // A pending waitFor() would only find the store closed at its next read: it fails now.
    this.watch.endAll(new SchedulerClosedError());
  }

  /** Start or stop only this process's workers; the store stays open (HTTP runner start/stop). */
  async startWorkers(): Promise<void> {
    await this.store();
    await this.worker.start();
    this.sweeper?.start();
    this.heartbeat.start();
  }

  async stopWorkers(options: StopOptions = {}): Promise<void> {
    await this.worker.stop(options.graceful !== false, options.timeoutMs ?? 30_000);
    await this.sweeper?.stop();
  }

  /**
   * Delete finished jobs and history older than the retention now (the scheduler's `retention` option, or
   * the one given), whether or not workers run: for a cron-driven cleanup, or a process that never starts.
   * A backlog larger than one sweep's bound (20 000 jobs) is left for the next call. It also forgets the groups
   * that went away (rules/groups.ts forgettable), visiting up to 20 000 of them from the first; `groups` counts
   * them (the same on every store: a group is known from its first pending job, makesGroupKnown).
   */
  async prune(retention?: RetentionOptions): Promise<{ jobs: number; history: number; groups: number; events: number }> {
    const policy = retention === undefined ? this.retention : parseRetention(retention, 'retention');
    if (policy === null) throw new ValidationError('retention', retention, 'no retention configured: pass one, such as { completed: "7d" }, or set the scheduler\'s retention option');
    return sweep(await this.store(), policy, this.clock());
  }

  get workersRunning(): boolean {
    return this.worker.isRunning;
  }

  /** Jobs this process is running now (metrics, health). */
  get runningCount(): number {
    return this.worker.activeCount;
  }

  /**
   * Whether this process can run jobs of this name: a define()d handler or the fallback handler. Lets a
   * producer refuse a name no worker here would run (the HTTP API answers UNKNOWN_JOB_NAME).
   */
  canRun(name: string): boolean {
    return this.registry.fallback !== null || this.registry.definitions.has(name);
  }

  /** The names this process has define()d handlers for. */
  definedNames(): string[] {
    return [...this.registry.definitions.keys()];
  }

  /** Whether this process has define()d a handler for this name (the fallback handler aside). */
  isDefined(name: string): boolean {
    return this.registry.definitions.has(name);
  }

  // ---- scheduling -----------------------------------------------------------------------------------------

  private normaliseContext(): NormaliseContext {
    return {
      now: this.clock(),
      timezone: this.timezone,
      defaultPriority: (name) => this.registry.priorityFor(name),
      defaultMaxAttempts: (name) => this.registry.definitions.get(name)?.attempts ?? null,
    };
  }

  /** Run as soon as possible. */
  async now<N extends JobName<J>>(name: N, ...args: DataArgs<J[N], JobOptions>): Promise<Job<J[N]>> {
    const [data, options] = args;
    return (await this.insert([fromWhen(this.clock(), name, data, options, this.normaliseContext())]))[0] as Job<J[N]>;
  }

  /**
   * schedule(when, name, data?, options?)      when: Date | ms | ISO | 'in 20 minutes' | 'at 5:00pm' | 'tomorrow at 9am'
   * schedule({ name, data, runAt | delay, repeat, key, dedupeKey, priority, attempts, backoff, timeout })
   * schedule(name, data?, { runAt, delay, repeat, ... })   (as mongo-job-scheduler writes it)
   */
  async schedule(spec: SpecOf<J>): Promise<JobOf<J>>;
  async schedule<N extends JobName<J>>(when: Date | number | string, name: N, ...args: DataArgs<J[N], JobOptions>): Promise<Job<J[N]>>;
  async schedule<N extends JobName<J>>(name: N, ...args: DataArgs<J[N], Omit<ScheduleSpec, 'name' | 'data'>>): Promise<Job<J[N]>>;
  async schedule(first: unknown, second?: unknown, third?: unknown, fourth?: unknown): Promise<any> {
    const ctx = this.normaliseContext();
    let job: NewJob;
    if (typeof first === 'object' && first !== null && !(first instanceof Date)) {
      if (second !== undefined) throw new ValidationError('schedule', second, 'the object form takes one argument');
      job = fromSpec(first as ScheduleSpec, 'spec', ctx);
    } else if (typeof second === 'string') {
      job = fromWhen(first, second, third, fourth, ctx);
    } else if (typeof first === 'string') {
      if (fourth !== undefined) throw new ValidationError('schedule', fourth, 'schedule(name, data, options) takes three arguments');
      const options = assertObject(third, 'options');
      job = fromSpec({ ...(options as object), name: first, data: second } as ScheduleSpec, 'options', ctx);
    } else {
      throw new ValidationError('when', first, 'expected a Date, epoch ms, a time string, a job name or a spec object', 'INVALID_TIME');
    }
    return (await this.insert([job]))[0]!;
  }

  /** Repeat on an interval ('5 minutes', '5m', ms) or a cron expression; one job per name (or options.key). */
  async every<N extends JobName<J>>(interval: Duration, name: N, ...args: DataArgs<J[N], EveryOptions>): Promise<Job<J[N]>> {
    const [data, options] = args;
    return (await this.insert([fromEvery(interval, name, data, options, this.normaliseContext())]))[0] as Job<J[N]>;
  }

  /**
   * Many jobs. An array alone: one atomic store operation, every job's view back. With options (any array or
   * (async) iterable): the streamed form (bulk.ts), stored chunk by chunk in bounded memory, counts back.
   */
  async scheduleBulk(specs: SpecOf<J>[]): Promise<JobOf<J>[]>;
  async scheduleBulk(specs: Iterable<SpecOf<J>> | AsyncIterable<SpecOf<J>>, options: BulkOptions<JobOf<J>>): Promise<BulkSummary>;
  async scheduleBulk(specs: unknown, options?: BulkOptions<JobOf<J>>): Promise<JobOf<J>[] | BulkSummary> {
    if (options !== undefined) return this.scheduleStream(specs, options);
    if (!Array.isArray(specs)) throw new ValidationError('specs', specs, 'must be an array of job specs (or pass options, e.g. { chunkSize }, to stream an iterable)');
    const ctx = this.normaliseContext();
    return (await this.insert(specs.map((spec, i) => fromSpec(spec as ScheduleSpec, `specs[${i}]`, ctx)))) as JobOf<J>[];
  }

  private async scheduleStream(source: unknown, options: BulkOptions<JobOf<J>>): Promise<BulkSummary> {
    const o = assertObject(options, 'options') as BulkOptions<JobOf<J>>;
    assertKnownKeys(o, ['chunkSize', 'onChunk'], 'options');
    const chunkSize = chunkSizeOf(o.chunkSize, 'options.chunkSize');
    const onChunk = o.onChunk;
    if (onChunk !== undefined && typeof onChunk !== 'function') throw new ValidationError('options.onChunk', onChunk, 'must be a function');
    let ctx = this.normaliseContext();
    return insertInChunks(
      source,
      chunkSize,
      (spec, i) => {
        // Each chunk is normalised at its own time: a `delay` counts from when its chunk is read.
        if (i % chunkSize === 0 && i > 0) ctx = this.normaliseContext();
        return fromSpec(spec as ScheduleSpec, `specs[${i}]`, ctx);
      },
      (jobs) => this.insertRecords(jobs),
      (results, first, index) => {
        const jobs = this.announce(results, onChunk !== undefined);
        if (onChunk) return onChunk({ index, first, jobs: jobs as JobOf<J>[] });
      },
    );
  }

  /**
   * A workflow graph (docs/workflows.md), inserted in one atomic store operation: all of it or, on any error,
   * none. A node with `after` is `blocked` until its dependencies succeed. Returns the jobs by their keys.
   */
  async flow(nodes: FlowNode[]): Promise<Record<string, Job>> {
    const jobs = flowJobs(nodes, 'nodes', this.normaliseContext());
    const views = await this.insert(jobs, (store, now) => store.insertFlow(jobs, now));
    return Object.fromEntries(views.map((view, i) => [jobs[i]!.flow.key, view]));
  }

  private async insert(jobs: NewJob[], write?: (store: Store, now: number) => Promise<InsertResult[]>): Promise<Job[]> {
    if (jobs.length === 0) return [];
    return this.announce(await this.insertRecords(jobs, write), true)!;
  }

  /** The store write of an insert: a tracing span around it, then the worker woken for the earliest due job. */
  private async insertRecords(jobs: NewJob[], write: (store: Store, now: number) => Promise<InsertResult[]> = (store, now) => store.insert(jobs, now)): Promise<InsertResult[]> {
    const store = await this.store();
    // With OpenTelemetry present, the enqueue is a span and its context goes with each job (tracing.ts).
    const span = (await tracing())?.enqueue(jobs.map((j) => j.name));
    if (span?.trace) for (const job of jobs) job.trace ??= span.trace;
    let results: InsertResult[];
    try {
      results = await write(store, this.clock());
      span?.end();
    } catch (error) {
      span?.end(error);
      throw error;
    }
    let earliest = Infinity;
    for (const { job } of results) if (job.status === 'pending' && job.nextRunAt < earliest) earliest = job.nextRunAt;
    if (earliest !== Infinity) this.worker.wakeAt(earliest);
    return results;
  }

  /**
   * job:created for each new job, and the views of all (null when `views` is false): a view is built only
   * when asked for or listened for, so a streamed scheduleBulk of a million jobs builds none.
   */
  private announce(results: InsertResult[], views: boolean): Job[] | null {
    const listened = this.listenerCount('job:created') > 0;
    if (!views && !listened) return null;
    return results.map(({ job, created }) => {
      const view = this.view(job);
      if (created) this.safeEmit('job:created', view);
      return view;
    });
  }

  // ---- reading --------------------------------------------------------------------------------------------

  private view(record: JobRecord): JobOf<J> {
    return toJob(record, this.registry.maxAttemptsFor(record.name)) as JobOf<J>;
  }


  async getJob(id: string): Promise<JobOf<J> | null>;
  async getJob<T>(id: string): Promise<Job<T> | null>;
  async getJob(id: string): Promise<any> {
    const record = await (await this.store()).getJob(jobId(id));
    return record ? this.view(record) : null;
  }

  async listJobs(filter: ListJobsFilter = {}): Promise<JobOf<J>[]> {
    const f = assertObject(filter, 'filter') as ListJobsFilter;
    assertKnownKeys(f, ['status', 'name', 'text', 'repeating', 'group', 'order', 'limit', 'offset'], 'filter');
    if (f.repeating !== undefined && f.repeating !== true) throw new ValidationError('filter.repeating', f.repeating, 'must be true (or left out for every job)');
    const order = f.order === undefined ? undefined : listOrder(f.order);
    if (f.text !== undefined && (typeof f.text !== 'string' || f.text.length > 200)) throw new ValidationError('filter.text', f.text, 'must be a string of at most 200 characters');
    if (f.text !== undefined) assertStorableText(f.text, 'filter.text');
    const statuses = f.status === undefined ? undefined : Array.isArray(f.status) ? f.status : [f.status];
    for (const status of statuses ?? []) {
      if (!JOB_STATUSES.includes(status)) throw new ValidationError('filter.status', status, `must be one of ${JOB_STATUSES.join(', ')}`);
    }
    const records = await (await this.store()).listJobs({
      ...(statuses ? { status: statuses } : {}),
      ...(f.name !== undefined ? { name: assertName(f.name, 'filter.name') } : {}),
      ...(f.text !== undefined && f.text !== '' ? { text: f.text } : {}),
      ...(f.repeating ? { repeating: true as const } : {}),
      ...(f.group !== undefined ? { group: listGroup(f.group) } : {}),
      ...(order ? { order } : {}),
      limit: f.limit === undefined ? 100 : assertInt(f.limit, 'filter.limit', 1),
      offset: f.offset === undefined ? 0 : assertInt(f.offset, 'filter.offset', 0, MAX_INT32),
    });
    return records.map((r) => this.view(r) as JobOf<J>);
  }

  /**
   * One record per attempt, and one per durable step, sleep and wait (step-history.ts), oldest first. With
   * `limit`, the newest `limit` of them (a repeating job's history grows with every run).
   */
  async history(id: string, options: { limit?: number } = {}): Promise<HistoryRecord[]> {
    const key = jobId(id);
    const o = assertObject(options, 'options') as { limit?: unknown };
    assertKnownKeys(o, ['limit'], 'options');
    const limit = o.limit === undefined ? undefined : assertInt(o.limit, 'options.limit', 1, MAX_INT32);
    const store = await this.store();
    // The newest `limit` runs and every step of the current cycle hold the newest `limit` entries of the two.
    const [rows, steps] = await Promise.all([store.history(key, limit), store.loadSteps ? store.loadSteps(key) : []]);
    const merged = mergeHistory(runHistory(rows), steps.map((step) => stepHistory(key, step)));
    return limit === undefined ? merged : merged.slice(-limit);
  }

  /**
   * Deliver an event to the jobs waiting for it (ctx.waitForEvent with a match its payload satisfies), in one
   * store operation with storing it (a wait reached later in a run that had started still sees it). Returns
   * how many waiting jobs were woken.
   */
  async sendEvent(name: string, payload: Json = null): Promise<number> {
    const store = await this.store();
    if (!store.sendEvent) throw new StoreError(`the ${store.kind} store does not support events (Store.sendEvent)`);
    const woken = await store.sendEvent(assertName(name, 'name'), assertJson(payload, 'payload'), this.clock());
    if (woken > 0) this.worker.kick();
    return woken;
  }

  /**
   * Every scheduler process sharing the store, oldest start first: running ones, and for PROCESS_KEPT_MS those
   * that stopped (stoppedAt) or fell silent. Each running scheduler writes its record every few seconds; this
   * process's entry is its live state. A store without a process registry (Store.putProcess) knows only this
   * process: see processesShared().
   */
  async processes(): Promise<ProcessInfo[]> {
    const stored = await this.processRecords();
    const now = this.clock();
    const own = this.heartbeat.record(now);
    const records = stored.filter((r) => r.id !== this.workerId);
    if (own) records.push(own);
    records.sort((a, b) => a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return records.map((r) => toProcessInfo(r, now));
  }

  /** The stored process records; calls made while one read is in flight share it (a dashboard asks for both). */
  private processRecords(): Promise<ProcessRecord[]> {
    this.readingProcesses ??= (async () => {
      try {
        const store = await this.store();
        return store.listProcesses ? await store.listProcesses() : [];
      } finally {
        this.readingProcesses = null;
      }
    })();
    return this.readingProcesses;
  }

  /** Whether processes() and activity() see every process sharing the store (the store keeps a process registry). */
  async processesShared(): Promise<boolean> {
    return typeof (await this.store()).listProcesses === 'function';
  }

  /**
   * Runs of the last hour, per minute and per name, summed over every process sharing the store (as each last
   * published them; this process's live), with p50/p95 run times from their histograms.
   */
  async activity(): Promise<ActivityReport> {
    const records = await this.processRecords();
    const now = this.clock();
    const buckets = this.activityLog.snapshot(now);
    let processes = buckets.length > 0 ? 1 : 0;
    for (const record of records) {
      if (record.id === this.workerId || record.activity.length === 0) continue;
      processes++;
      for (const b of record.activity) buckets.push(b);
    }
    return summarise(buckets, now, processes);
  }

  /**
   * A name's groups with jobs due now or running, biggest first: the first `limit` (default 10) and how many more
   * (rules/group-counts.ts, which says how each store keeps it bounded: a due count stops at `countCap`), with
   * what throttles the name by this process's definition of it (groups-report.ts).
   */
  async groups(name: string, options: { limit?: number } = {}): Promise<GroupsReport> {
    const n = assertName(name, 'name');
    const o = assertObject(options, 'options') as { limit?: unknown };
    assertKnownKeys(o, ['limit'], 'options');
    const limit = o.limit === undefined ? 10 : assertInt(o.limit, 'options.limit', 1);
    const store = await this.store();
    if (!store.groupCounts) throw new StoreError(`the ${store.kind} store cannot count groups`);
    const now = this.clock();
    const definition = this.registry.definitions.get(n);
    const [rows, counts] = await Promise.all([store.groupCounts(n, now), store.countJobs(n, ['running'])]);
    // A global rate's windows: the name's own, or with `by: 'group'` those of the groups shown (rules/rate.ts rateKey).
    const rate = globalRate(definition);
    const windows = new Map<string, RateWindow>();
    if (rate && store.rateWindow) {
      const keys = rate.byGroup ? rankGroups(rows, limit).groups.map((g) => g.group) : [''];
      const read = await Promise.all(keys.map((key) => store.rateWindow!(n, key, rate.perMs, now)));
      keys.forEach((key, i) => windows.set(key, read[i]!));
    }
    return groupsReport(n, rows, limit, counts.running, definition, windows);
  }

  /** Pending jobs (due now or later), of one name or all. */
  async queueSize(name?: string): Promise<number> {
    const counts = await (await this.store()).countJobs(name === undefined ? undefined : assertName(name, 'name'), ['pending']);
    return counts.pending;
  }

  /** Jobs by status, of one name or all; with `statuses`, only those are counted (the others are 0). */
  async countJobs(name?: string, statuses?: readonly JobStatus[]): Promise<Record<JobStatus, number>> {
    if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => !(JOB_STATUSES as readonly string[]).includes(s)))) {
      throw new ValidationError('statuses', statuses, `must be a list of ${JOB_STATUSES.join(', ')}`);
    }
    return (await this.store()).countJobs(name === undefined ? undefined : assertName(name, 'name'), statuses);
  }

  /**
   * Jobs by status in all and for each of `names` (in that order): countJobs() and countJobs(name) for each
   * name, in one read where the store can (PostgreSQL: one pass over the table instead of two).
   */
  async countJobsByName(names: readonly string[]): Promise<NameCounts> {
    if (!Array.isArray(names)) throw new ValidationError('names', names, 'must be a list of job names');
    const checked = names.map((name, i) => assertName(name, `names[${i}]`));
    const store = await this.store();
    if (store.countJobsByName) return store.countJobsByName(checked);
    const [all, byName] = await Promise.all([store.countJobs(), Promise.all(checked.map((name) => store.countJobs(name)))]);
    return { all, byName };
  }

  async health(): Promise<HealthReport> {
    const base = { running: this.worker.activeCount, workersRunning: this.worker.isRunning, workerId: this.workerId };
    const started = Date.now();
    try {
      const store = await withTimeout(this.store(), 5000, 'opening the store');
      await withTimeout(store.ping(), 2000, 'store ping');
      const latency = Date.now() - started;
      const counts = await withTimeout(store.countJobs(undefined, ['pending']), 5000, 'counting jobs');
      const recent = this.lastStoreError && this.clock() - this.lastStoreError.at < 60_000 ? { error: `recent store error: ${this.lastStoreError.error.message}` } : {};
      return { healthy: true, queueSize: counts.pending, store: store.kind, storeLatencyMs: latency, ...recent, ...base };
    } catch (error) {
      return { healthy: false, queueSize: null, store: this.storeInstance?.kind ?? 'unknown', storeLatencyMs: null, error: (error as Error).message, ...base };
    }
  }

  // ---- changing jobs --------------------------------------------------------------------------------------

  /** Pending: it never runs. Running: its ctx.signal aborts and it ends cancelled. Finished: left as it is. */
  async cancel(id: string): Promise<JobOf<J> | null> {
    const result = await (await this.store()).cancel(jobId(id), this.clock());
    if (!result) return null;
    const view = this.view(result.job);
    if (result.previous === 'pending' || result.previous === 'running' || result.previous === 'blocked') {
      if (result.previous === 'running') this.worker.abortLocal(view.id, 'cancel');
      this.safeEmit('job:cancel', view);
    }
    return view;
  }

  /** Run now, whatever its schedule. A finished job runs again; a running one is left alone. */
  async trigger(id: string): Promise<JobOf<J> | null> {
    const record = await (await this.store()).trigger(jobId(id), this.clock());
    if (!record) return null;
    if (record.status === 'pending') this.worker.wakeAt(record.nextRunAt);
    return this.view(record);
  }

  /**
   * The dead-letter queue, emptied: every failed job (of one name, or all) runs again with its attempts starting
   * over, as trigger() does. Failed jobs are kept until retention deletes them, so they are the dead letters;
   * this sends them back. Returns how many were requeued. One store call per job: an admin path.
   */
  async requeueFailed(name?: string): Promise<number> {
    if (name !== undefined) assertName(name, 'name');
    let count = 0;
    // A triggered job leaves 'failed', so the next page starts past only the jobs that stayed (their dedupe
    // key is held by a live job: DedupeConflictError; running them too would make two live holders).
    let stayed = 0;
    for (;;) {
      const failed = await this.listJobs({ status: 'failed', limit: 500, offset: stayed, ...(name !== undefined ? { name } : {}) });
      if (failed.length === 0) return count;
      for (const job of failed) {
        try {
          if ((await this.trigger(job.id))?.status === 'pending') count++;
          else stayed++;
        } catch (error) {
          if (!(error instanceof DedupeConflictError)) throw error;
          stayed++;
        }
      }
    }
  }

  /** Change a job that is not running: data, priority, attempts, its repeat, or when it next runs. */
  async update(
    id: string,
    patch: { data?: unknown; priority?: Priority; attempts?: number; repeat?: RepeatOptions | string | null; runAt?: Date | number | string },
  ): Promise<JobOf<J> | null> {
    const key = jobId(id);
    const p = assertObject(patch, 'patch') as Record<string, unknown>;
    assertKnownKeys(p, ['data', 'priority', 'attempts', 'repeat', 'runAt'], 'patch');
    const now = this.clock();
    const change: JobPatch = {};
    if (p.data !== undefined) change.data = assertJson(p.data, 'patch.data');
    if (p.priority !== undefined) change.priority = parsePriority(p.priority as Priority, 'patch.priority')!;
    if (p.attempts !== undefined) change.maxAttempts = assertInt(p.attempts, 'patch.attempts', 1, MAX_INT32);
    if (p.repeat !== undefined) {
      const repeat = typeof p.repeat === 'string' ? repeatFromText(p.repeat, 'patch.repeat') : (p.repeat as RepeatOptions | null);
      change.repeat = normaliseRepeat(repeat, 'patch.repeat', this.timezone);
      if (change.repeat) change.nextRunAt = change.dueAt = firstOccurrence(change.repeat, now, true);
    }
    if (p.runAt !== undefined) change.nextRunAt = change.dueAt = parseWhen(p.runAt, 'patch.runAt', now, this.timezone);
    const store = await this.store();
    const before = await store.getJob(key);
    if (!before) return null;
    // A new repeat's first due time gets its jitter, as every() gives it (an explicit runAt is kept as given).
    if (change.repeat && p.runAt === undefined) change.nextRunAt = change.dueAt! + jitterOffset(change.repeat, before.repeatKey ?? before.name, change.dueAt!);
    if (before.status === 'running') throw new JobStateError(`job ${id} is running; update it after this run ends`);
    const after = await store.update(key, change, now);
    if (after && after.status === 'pending') this.worker.wakeAt(after.nextRunAt);
    return after ? this.view(after) : null;
  }

  /** Delete a job and its history. */
  async remove(id: string): Promise<boolean> {
    const key = jobId(id);
    const store = await this.store();
    this.worker.abortLocal(key, 'lost');
    return store.remove(key, this.clock());
  }

  /** Stop claiming jobs of this name, in every process sharing the store, until resume(). */
  async pause(name: string): Promise<void> {
    await (await this.store()).setPaused(assertName(name), true);
  }

  async resume(name: string): Promise<void> {
    await (await this.store()).setPaused(assertName(name), false);
    this.worker.kick();
  }

  async pausedNames(): Promise<string[]> {
    return (await this.store()).pausedNames();
  }

  /**
   * The job once it has finished (completed, failed or cancelled), whichever process runs it: read again until
   * then (wait-for.ts says how often; every wait of this process reads with the others). `timeout`: give up with a WaitTimeoutError (code WAIT_TIMEOUT) naming
   * the job's status then; without it, wait as long as it takes. `signal`: stop waiting when it aborts (its
   * reason is thrown). A job that does not exist, or is removed meanwhile, is a JobNotFoundError. A repeating job
   * never finishes by itself (each run, whatever its outcome, schedules the next): the wait ends with a run that
   * ended after the call, and the job comes back as that run left it (pending again; lastError null after a
   * success). To run one now and wait for it: waitFor first, then trigger.
   */
  async waitFor(id: string, options: { timeout?: Duration; signal?: AbortSignal } = {}): Promise<JobOf<J>> {
    const key = jobId(id);
    const o = assertObject(options, 'options') as { timeout?: unknown; signal?: unknown };
    assertKnownKeys(o, ['timeout', 'signal'], 'options');
    const timeoutMs = o.timeout === undefined ? null : parseDuration(o.timeout as Duration, 'options.timeout');
    if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new ValidationError('options.signal', o.signal, 'must be an AbortSignal');
    const job = await this.watch.wait(key, { timeoutMs, signal: o.signal as AbortSignal | undefined });
    return this.view(job) as JobOf<J>;
  }

  /** The job, or a JobNotFoundError (for callers that prefer throwing to null). */
  async requireJob(id: string): Promise<Job> {
    const job = await this.getJob(id);
    if (!job) throw new JobNotFoundError(jobId(id));
    return job;
  }

  /** The store this scheduler uses (opened). */
  async getStore(): Promise<Store> {
    return this.store();
  }

  /** Milliseconds a duration stands for, with the same rules as every option. */
  static duration(value: Duration, field = 'duration'): number {
    return parseDuration(value, field);
  }
}

/**
 * An event on()/once() may listen to: one the scheduler emits, or one EventEmitter itself uses ('error', which
 * Node's events.once() and on() listen to on any emitter; 'newListener', 'removeListener'). A JavaScript caller's
 * 'job:completed' is a ValidationError, not a listener that never hears anything.
 */
function listenable(event: unknown): SchedulerEventName {
  if ((SCHEDULER_EVENTS as readonly unknown[]).includes(event) || EMITTER_EVENTS.includes(event)) return event as SchedulerEventName;
  throw new ValidationError('event', event, `must be one of ${SCHEDULER_EVENTS.join(', ')}`);
}
const EMITTER_EVENTS: readonly unknown[] = ['error', 'newListener', 'removeListener'];

/**
 * A job id as given to a method that reads or changes one job: a string, or a number (ids are decimal
 * integers in every store). Anything else is a ValidationError, not a lookup of its String() that finds nothing
 * (or throws a TypeError, for an object without a prototype).
 */
function jobId(id: unknown): string {
  if (typeof id !== 'string' && typeof id !== 'number') throw new ValidationError('id', id, 'must be a job id string');
  return String(id);
}

/** listJobs' `order`: a field of rules/query.ts JOB_ORDER_FIELDS and a direction (ascending when left out). */
function listOrder(value: unknown): JobOrder {
  const o = assertObject(value, 'filter.order') as { by?: unknown; dir?: unknown };
  assertKnownKeys(o, ['by', 'dir'], 'filter.order');
  if (!(JOB_ORDER_FIELDS as readonly unknown[]).includes(o.by)) throw new ValidationError('filter.order.by', o.by, `must be one of ${JOB_ORDER_FIELDS.join(', ')}`);
  if (o.dir !== undefined && o.dir !== 'asc' && o.dir !== 'desc') throw new ValidationError('filter.order.dir', o.dir, 'must be asc or desc');
  return { by: o.by as JobOrderField, dir: (o.dir as 'asc' | 'desc' | undefined) ?? 'asc' };
}

/** listJobs' `group`: a group as the job option takes it; null is refused (it would read as "no filter"). */
function listGroup(value: unknown): string {
  const group = value === null ? undefined : assertGroup(value, 'filter.group');
  if (group === undefined || group === null) throw new ValidationError('filter.group', value, 'must be a non-empty string of at most 200 characters');
  return group;
}

/** '5s' / '10m' / ms → { every }; a cron expression → { cron }. Used for textual schedules (HTTP, update). */
export function repeatFromText(text: string, field: string): RepeatOptions {
  const trimmed = text.trim();
  if (trimmed.split(/\s+/).length >= 5 || trimmed.startsWith('@')) return { cron: trimmed };
  return { every: parsePositiveDuration(trimmed, field) };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The store's history rows as HistoryRecords (runs). */
function runHistory(rows: HistoryRow[]): HistoryRecord[] {
  return rows.map((r) => ({
    id: r.id,
    jobId: r.jobId,
    status: r.status,
    attempt: r.attempt,
    startedAt: new Date(r.startedAt),
    completedAt: new Date(r.completedAt),
    duration: r.completedAt - r.startedAt,
    error: r.error,
    stack: r.stack ?? null,
    result: r.result,
    workerId: r.workerId,
  }));
}
