/**
 * Public types of hourglass: what users pass in and what they get back.
 * Store-facing record types live in ./store.ts; this file has no runtime code.
 */
import type { Logger } from './logger.js';

/** Anything JSON can carry and give back unchanged. Job data, results and progress are Json. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** 'blocked': a workflow node waiting for its dependencies (never claimed until they release it: rules/flow.ts). */
export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled', 'blocked'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job never leaves by itself (trigger and update may move it back to pending). */
export const FINISHED_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type FinishedStatus = (typeof FINISHED_STATUSES)[number];

/** A duration: milliseconds, or a string such as '10s', '5m', '2h', '1d', '5 minutes'. */
export type Duration = number | string;

export type PriorityName = 'lowest' | 'low' | 'normal' | 'high' | 'highest';
export type Priority = PriorityName | number;

export interface BackoffOptions {
  type: 'exponential' | 'fixed';
  /** Delay before the first retry (exponential doubles it for each further retry). */
  delay: Duration;
  /** Upper bound for exponential backoff. */
  maxDelay?: Duration;
}

/** What a repeating job repeats on, as users write it. */
export type RepeatOptions =
  | { cron: string; timezone?: string; catchUp?: CatchUp; jitter?: Duration }
  | { every: Duration; catchUp?: CatchUp; jitter?: Duration };

/**
 * What happens to due times missed while no process was running:
 * 'latest' (default) runs the job once, then continues from the next future due time;
 * 'all' runs once per missed due time, oldest first, at most MAX_CATCH_UP runs.
 */
export type CatchUp = 'latest' | 'all';

/** A repeat as stored: durations resolved to ms, timezone resolved. */
/** `jitter` (ms, > 0 when present): each due time runs up to this much later (repeat.ts, jitterOffset). */
export type RepeatSpec =
  | { cron: string; timezone: string; catchUp?: CatchUp; jitter?: number }
  | { every: number; catchUp?: CatchUp; jitter?: number };

/** Per-job options accepted by now(), schedule() and every(). */
export interface JobOptions {
  priority?: Priority;
  /** Total runs allowed, the first included (1 = no retry). */
  attempts?: number;
  backoff?: BackoffOptions;
  /** A run that takes longer fails with JobTimeoutError and its ctx.signal aborts. */
  timeout?: Duration;
  /** While a job with this key is pending or running, scheduling again returns that job. */
  dedupeKey?: string;
  /**
   * With dedupeKey, one-off jobs only: the key stays taken this long after the job was created, even after it
   * finished (throttling: at most one job per key per period). Scheduling again within the period returns
   * that job, whatever its status. See docs/scheduling.md, "Dedupe, throttle and debounce".
   */
  dedupeFor?: Duration;
  /**
   * With dedupeKey, one-off jobs only: scheduling again while the key's job is still pending replaces its data,
   * due time and priority (same id) instead of returning it unchanged; with `delay` that is a debounce ("run
   * once, 5 s after the last call"). If that job is already running, this one is kept and runs after it.
   */
  replace?: boolean;
  /** A name for people, shown by the dashboard and the HTTP API (seed 003's job name beside its handler). */
  label?: string;
  /**
   * The tenant this job belongs to: claims rotate between the groups of a name that have due work, so a
   * group with a big backlog does not delay the others, and define's `groupConcurrency` caps each group's
   * runs. A non-empty string of at most 200 characters; fixed when the job is created.
   */
  group?: string;
}

export interface EveryOptions extends JobOptions {
  /** IANA time zone for cron expressions. Default: the scheduler's timezone (UTC unless set). */
  timezone?: string;
  /** Identity of the repeating job; default: its name. every() with the same key updates the job. */
  key?: string;
  catchUp?: CatchUp;
  /** Interval repeats run once at creation unless this is set (cron waits for its next due time anyway). */
  skipImmediate?: boolean;
  /** First due time; overrides the computed one. */
  startAt?: Date | number | string;
  /**
   * Run each due time up to this much later, by an offset that is random-looking but the same in every
   * process (a hash of the key and the due time): many processes' and tenants' schedules spread out instead
   * of starting at the same instant. The schedule itself never drifts: each due time is still computed from
   * the last one, not from when the jittered run happened.
   */
  jitter?: Duration;
}

/** Object form of schedule(), also the element type of scheduleBulk(). */
export interface ScheduleSpec extends JobOptions {
  name: string;
  data?: unknown;
  /** When to run: Date, epoch ms, ISO string or human text ('in 20 minutes'). Default: now. */
  runAt?: Date | number | string;
  /** Run after this long (alternative to runAt). */
  delay?: Duration;
  repeat?: RepeatOptions;
  /** With repeat: identity of the repeating job, scheduling again updates it (as every() does). */
  key?: string;
}

/**
 * scheduleBulk's streamed form (src/core/bulk.ts): the specs are read, validated and stored chunk by chunk,
 * each chunk one atomic store operation, so memory stays bounded however many there are.
 */
export interface BulkOptions<JobT = Job> {
  /** Most specs per store operation (each chunk is atomic). 1 to 10,000; default 1,000. */
  chunkSize?: number;
  /**
   * After each stored chunk, with its jobs' views (built only when this is given). Awaited before the next
   * chunk is read, so a slow consumer slows the stream rather than piling chunks up.
   */
  onChunk?: (chunk: BulkChunk<JobT>) => unknown;
}

/** One stored chunk of a streamed scheduleBulk. */
export interface BulkChunk<JobT = Job> {
  /** 0 for the first chunk. */
  index: number;
  /** The position of its first spec in the source: jobs[k] came from specs[first + k]. */
  first: number;
  /** In spec order; a spec whose dedupe or repeat key was taken gets that holder, as schedule() does. */
  jobs: JobT[];
}

/** What a streamed scheduleBulk stored (and, in BulkInsertError, what it stored before it stopped). */
export interface BulkSummary {
  /** Specs stored: created + existing. */
  stored: number;
  /** New jobs. */
  created: number;
  /** Specs whose dedupe key or repeat key was taken (by a job stored before, or by an earlier spec). */
  existing: number;
  /** Store operations (chunks), each atomic. */
  chunks: number;
}

/**
 * One node of a workflow graph (Scheduler.flow, ctx.flow): a job, its key in the graph, and the keys of the
 * nodes it runs after. A node with `after` is `blocked` until they all succeed.
 */
export interface FlowNode extends JobOptions {
  /** Unique within one flow() call; ctx.results() and `after` name nodes by it. */
  key: string;
  name: string;
  data?: unknown;
  /** The keys of the nodes this one runs after (its dependencies). */
  after?: string[];
  /** When a dependency fails for good or is cancelled: 'cancel' (default) cancels this node, 'run' runs it anyway. */
  onDependencyFailure?: 'cancel' | 'run';
  /** When to run (once released): Date, epoch ms, ISO string or human text. Default: now. */
  runAt?: Date | number | string;
  /** Run after this long (alternative to runAt), counted from the flow's insertion. */
  delay?: Duration;
}

/** Options of define(): defaults for jobs of that name, and how this process runs them. */
export interface DefineOptions {
  priority?: Priority;
  /** Most jobs of this name running at once, across every process sharing the store. */
  concurrency?: number;
  /**
   * Most jobs of this name and one group (JobOptions.group) running at once, across every process sharing
   * the store. Jobs without a group are not capped by it.
   */
  groupConcurrency?: number;
  /** Most jobs of this name this scheduler holds locked at once. */
  lockLimit?: number;
  attempts?: number;
  backoff?: BackoffOptions;
  timeout?: Duration;
  /** How long a claimed job stays locked without a heartbeat before another process may take it. */
  lockLifetime?: Duration;
  /** Store the handler's return value on the job and in its history. Default true. */
  shouldSaveResult?: boolean;
  /**
   * Runs of a job that may be lost (its process died, or stopped renewing the lock) beyond its attempts
   * before it is failed instead of run again: a job that crashes its worker every time is not re-run forever.
   * Default 2.
   */
  maxLostRuns?: number;
  /**
   * Job dependencies: the names of jobs to enqueue after each successful run, each with the run's result as
   * its data (fetch → parse → store). They are enqueued before the run is recorded as done, so none is lost
   * to a crash (one may be enqueued again if the run is retried after one). See also ctx.followUp().
   */
  then?: string | string[];
  /**
   * Throttle: at most `max` runs of this name start in any window of `per` ('1s', '1m', ms).
   * `scope: 'process'` (the default) counts this process's starts (N processes start up to N × max);
   * `scope: 'global'` counts them in the store, across every process, taken with the claim (a start is the claim
   * of the job). `by: 'group'` (global only) gives each group (JobOptions.group) a window of its own; jobs without
   * a group then share one.
   */
  rateLimit?: { max: number; per: Duration; scope?: 'process' | 'global'; by?: 'group' };
}

/** Options of ctx.followUp(): those of schedule()'s object form, so a follow-up may wait (runAt, delay). */
export type FollowUpOptions = Omit<ScheduleSpec, 'name' | 'data'>;

export interface Job<T = unknown> {
  id: string;
  name: string;
  data: T;
  status: JobStatus;
  priority: number;
  /** Runs started so far in the current cycle (a repeating job starts a new cycle after each due time). */
  attempts: number;
  maxAttempts: number;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastFinishedAt: Date | null;
  lastError: string | null;
  /** Where lastError was thrown: its stack, bounded to a few KB; null when there is none. */
  lastErrorStack: string | null;
  result: Json | null;
  repeat: RepeatSpec | null;
  /** Identity of a repeating job created by every() (or schedule with repeat and key). */
  key: string | null;
  dedupeKey: string | null;
  /** Until when dedupeKey stays taken after the job finished (JobOptions.dedupeFor); null: only while live. */
  dedupeUntil: Date | null;
  /** A name for people (JobOptions.label); null when none was given. */
  label: string | null;
  /** A workflow node's dependencies (flow(): the keys of `after` → their job ids); null for other jobs. */
  dependencies: Record<string, string> | null;
  /** How many of its dependencies a blocked job still waits for (0 once it may run, and for other jobs). */
  waitingFor: number;
  /** The tenant the job belongs to (JobOptions.group); null when none was given. */
  group: string | null;
  progress: Json | null;
  backoff: BackoffSpec | null;
  timeout: number | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface BackoffSpec {
  type: 'exponential' | 'fixed';
  delay: number;
  maxDelay?: number;
}

export interface HistoryRecord {
  id: string;
  jobId: string;
  /**
   * 'run' (absent in records of older versions: a run too), or an entry of a durable run: 'step' (completed,
   * its result), 'sleep' (result { until }), 'wait' (result: the payload, null on timeout; status 'pending'
   * while it waits). See docs/durable-steps.md.
   */
  kind?: 'run' | 'step' | 'sleep' | 'wait';
  /** A step's id, or `sleep:<n>` / `wait:<n>`; absent for a run. */
  step?: string;
  /** A wait's event name and match (what a waiting job waits for). */
  event?: string;
  match?: Record<string, Json>;
  status: 'completed' | 'failed' | 'cancelled' | 'pending';
  attempt: number;
  startedAt: Date;
  completedAt: Date;
  duration: number;
  error: string | null;
  /** The error's stack, bounded to a few KB; null when there is none. */
  stack: string | null;
  result: Json | null;
  workerId: string;
}

export interface ListJobsFilter {
  status?: JobStatus | JobStatus[];
  name?: string;
  /**
   * Only jobs whose name, label, data (as JSON text) or last error contains this text, ignoring the case of
   * A-Z (the dashboard's search). Stores may scan to answer it.
   */
  text?: string;
  /** Only jobs with a repeat (cron or interval), whatever their status: the schedules. */
  repeating?: true;
  /** Only jobs of this group (the `group` job option), whatever their name unless `name` is given too. */
  group?: string;
  /**
   * The order, across pages; default newest first (`{ by: 'createdAt', dir: 'desc' }`). Ties go by insertion in
   * the same direction; a job never run sorts last by lastRunAt either way. Which orders an index serves is in
   * docs/http.md (GET /jobs?sort=).
   */
  order?: { by: 'createdAt' | 'updatedAt' | 'nextRunAt' | 'lastRunAt' | 'priority' | 'attempts' | 'name'; dir?: 'asc' | 'desc' };
  limit?: number;
  offset?: number;
}

/** Scheduler.groups(name): a name's groups with jobs due now or running, biggest first (the dashboard's view). */
export interface GroupsReport {
  name: string;
  /**
   * The first `limit` groups by due + running; `due` stops at `countCap` (shown as "1,000+"). `atCap`: the group
   * runs as many as this process's definition allows it (groupConcurrency); false when it has no such limit.
   */
  groups: {
    group: string;
    due: number;
    running: number;
    atCap: boolean;
    /** With a global `rateLimit` by group: this group's window (see `rate`). */
    rate?: { used: number; full: boolean; freesAt: Date | null };
  }[];
  /**
   * With a name-wide global `rateLimit` (this process's definition): its window now, the claims in it, whether it
   * is full and, if so, when it has room again. Null otherwise.
   */
  rate: { used: number; full: boolean; freesAt: Date | null } | null;
  /** Groups with due or running jobs beyond those shown. */
  more: number;
  countCap: number;
  /** Jobs of the name running now, every group and none. */
  running: number;
  /** The limits this process defines for the name; null when it has no definition of it (another process may). */
  limits: {
    concurrency: number | null;
    groupConcurrency: number | null;
    rateLimit: { max: number; perMs: number; scope: 'process' | 'global'; byGroup: boolean } | null;
  } | null;
  /**
   * What holds the name back now, by those limits: 'concurrency' (its running jobs fill it), 'groupConcurrency'
   * (a group with due jobs runs as many as it may), 'rate' (its global rate window is full, or a shown group's
   * with due jobs is). Empty without a definition.
   */
  throttled: ('concurrency' | 'groupConcurrency' | 'rate')[];
}

/** What every handler's context has; the scheduler's `context` option adds its own fields (HandlerContext). */
export interface BaseContext<T = unknown> {
  job: Job<T>;
  data: T;
  jobId: string;
  jobName: string;
  /** This run's number, 1 for the first. */
  attempt: number;
  /** Aborts on cancel, timeout, lost lease, or a stop that stops waiting. */
  signal: AbortSignal;
  logger: Logger;
  /** Persist progress (any JSON value); rejects with LeaseLostError if this run no longer owns the job. */
  progress(value: Json): Promise<void>;
  /**
   * Run another job once this run succeeds ("run B after A"): enqueued together with the run's outcome,
   * before it is recorded, so a crash cannot lose it. Dropped if this run fails or is cancelled (a retry
   * asks again). Validated at once: bad input throws here.
   */
  followUp(name: string, data?: unknown, options?: FollowUpOptions): void;
  /**
   * The results of the jobs this workflow node runs after, by their keys ({} for a job without dependencies).
   * A dependency that failed or was cancelled (the node asked onDependencyFailure: 'run') gives `{ error }`.
   */
  results(): Promise<Record<string, Json>>;
  /**
   * A sub-graph of jobs to insert once this run succeeds, stored with its outcome as ctx.followUp() is
   * (validated at once: a bad graph throws here).
   */
  flow(nodes: FlowNode[]): void;
  /** The scheduler running this job, for handlers that schedule or inspect other jobs. */
  scheduler: JobsClient;
  /**
   * A durable step (docs/durable-steps.md): runs `fn` once per job cycle and stores its result (JSON) before
   * returning it; every later run of the job (retry, crash, after a sleep or a wait) gets the stored result
   * without running `fn` again. Ids must be unique within a run (DuplicateStepError).
   */
  step<R>(id: string, fn: () => R | Promise<R>): Promise<R>;
  /** End the run here; the job waits in the store (no slot, no lease, attempt not counted) and runs again from the top after `duration`. */
  sleep(duration: Duration): Promise<void>;
  /** ctx.sleep until a time (Date, epoch ms or ISO text). */
  sleepUntil(at: Date | number | string): Promise<void>;
  /**
   * Wait in the store for `scheduler.sendEvent(name, payload)` with a payload whose top-level fields equal
   * `match`'s; the payload, or null once `timeout` passed. An event sent since this run started counts.
   */
  waitForEvent<P extends Json = Json>(name: string, options: { match?: Record<string, string | number | boolean | null>; timeout: Duration }): Promise<P | null>;
}

/**
 * A handler's second argument: the base context plus what the scheduler's `context` option holds (C), typed
 * as given: `new Scheduler({ context: { db } })` gives every handler `ctx.db`, and a misspelt field is an error.
 */
export type HandlerContext<T = unknown, C extends object = {}> = BaseContext<T> & C;

/**
 * The names a scheduler runs and the type of each one's data, as its first type parameter:
 *   new Scheduler<{ 'send email': { to: string }; 'nightly report': undefined }>()
 * then now(), schedule(), every(), scheduleBulk() and define() accept only those names, each with its data,
 * and handlers receive that data typed. Without one (AnyJobs) any name is accepted and data is unknown.
 */
export interface AnyJobs {
  [name: string]: unknown;
}
export type JobName<J> = Extract<keyof J, string>;
/** A job of the map, discriminated by its name: narrowing `job.name` narrows `job.data`. */
export type JobOf<J> = { [N in JobName<J>]: Job<J[N]> & { name: N } }[JobName<J>];
/** The data and options arguments: the data may be left out only where the map allows undefined. */
export type DataArgs<D, O> = undefined extends D ? [data?: D, options?: O] : [data: D, options?: O];
/** The object form of schedule() and scheduleBulk() for a job map: name and data checked together. */
export type SpecOf<J> = {
  [N in JobName<J>]: Omit<ScheduleSpec, 'name' | 'data'> & { name: N } & (undefined extends J[N] ? { data?: J[N] } : { data: J[N] });
}[JobName<J>];

/** A change to a job that is not running (Scheduler.update). */
export interface JobUpdate {
  data?: unknown;
  priority?: Priority;
  attempts?: number;
  /** A repeat, its text form ('5m', a cron expression), or null to stop repeating. */
  repeat?: RepeatOptions | string | null;
  runAt?: Date | number | string;
}

/**
 * What a handler may do with jobs through ctx.scheduler: the Scheduler's producer, reader and admin methods. Declared
 * here rather than as the Scheduler class so that the core's types do not depend on the scheduler's module
 * (which depends on nearly everything); the Scheduler implements it.
 */
export interface JobsClient<J extends object = AnyJobs> {
  now<N extends JobName<J>>(name: N, ...args: DataArgs<J[N], JobOptions>): Promise<Job<J[N]>>;
  schedule(spec: SpecOf<J>): Promise<JobOf<J>>;
  schedule<N extends JobName<J>>(when: Date | number | string, name: N, ...args: DataArgs<J[N], JobOptions>): Promise<Job<J[N]>>;
  schedule<N extends JobName<J>>(name: N, ...args: DataArgs<J[N], Omit<ScheduleSpec, 'name' | 'data'>>): Promise<Job<J[N]>>;
  every<N extends JobName<J>>(interval: Duration, name: N, ...args: DataArgs<J[N], EveryOptions>): Promise<Job<J[N]>>;
  scheduleBulk(specs: SpecOf<J>[]): Promise<JobOf<J>[]>;
  /** The streamed form: chunk by chunk, each chunk atomic; counts back (BulkSummary), views only through onChunk. */
  scheduleBulk(specs: Iterable<SpecOf<J>> | AsyncIterable<SpecOf<J>>, options: BulkOptions<JobOf<J>>): Promise<BulkSummary>;
  /** A workflow graph in one atomic store operation; the jobs by their keys. */
  flow(nodes: FlowNode[]): Promise<Record<string, Job>>;
  getJob(id: string): Promise<JobOf<J> | null>;
  /** With the data type given, for a scheduler without a job map. */
  getJob<T>(id: string): Promise<Job<T> | null>;
  listJobs(filter?: ListJobsFilter): Promise<JobOf<J>[]>;
  /** Oldest first; with `limit`, the newest `limit` entries only. */
  history(id: string, options?: { limit?: number }): Promise<HistoryRecord[]>;
  cancel(id: string): Promise<JobOf<J> | null>;
  trigger(id: string): Promise<JobOf<J> | null>;
  update(id: string, patch: JobUpdate): Promise<JobOf<J> | null>;
  remove(id: string): Promise<boolean>;
  queueSize(name?: string): Promise<number>;
  countJobs(name?: string, statuses?: readonly JobStatus[]): Promise<Record<JobStatus, number>>;
  requeueFailed(name?: string): Promise<number>;
  /** Deliver an event to the jobs waiting for it (ctx.waitForEvent); returns how many were woken. */
  sendEvent(name: string, payload?: Json): Promise<number>;
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  pausedNames(): Promise<string[]>;
  /** Distributed locks on the store: acquire(name, owner, ttl) / release(name, owner). */
  readonly locks: {
    acquire(name: string, owner: string, ttl: Duration): Promise<boolean>;
    release(name: string, owner: string): Promise<boolean>;
  };
}

/**
 * A job's handler. Declared as a method's type so that, without a job map, a handler may annotate its job's
 * data (`async (job: Job<{ to: string }>) => ...`); with one, the data comes from the map.
 */
export type JobHandler<T = unknown, R = unknown, C extends object = {}> = {
  handle(job: Job<T>, ctx: HandlerContext<T, C>): Promise<R> | R;
}['handle'];

export interface HealthReport {
  healthy: boolean;
  /** Pending jobs (due now or later); null when the store does not answer. */
  queueSize: number | null;
  running: number;
  store: string;
  storeLatencyMs: number | null;
  workersRunning: boolean;
  workerId: string;
  error?: string;
}

export interface StopOptions {
  /** Wait for jobs in flight (default true). false aborts their signals at once. */
  graceful?: boolean;
  /** How long a graceful stop waits before aborting what still runs. Default 30 000. */
  timeoutMs?: number;
}

export interface SchedulerEvents {
  'scheduler:start': [];
  'scheduler:stop': [];
  'scheduler:error': [error: Error];
  'worker:start': [workerId: string];
  'worker:stop': [workerId: string];
  'job:created': [job: Job];
  'job:start': [job: Job];
  'job:success': [job: Job];
  'job:fail': [payload: { job: Job; error: Error }];
  'job:retry': [job: Job];
  'job:cancel': [job: Job];
  'job:complete': [job: Job];
}
export type SchedulerEventName = keyof SchedulerEvents;

/** Every event a Scheduler emits, at run time (for JavaScript callers, whom the type above cannot check). */
export const SCHEDULER_EVENTS = [
  'scheduler:start', 'scheduler:stop', 'scheduler:error', 'worker:start', 'worker:stop',
  'job:created', 'job:start', 'job:success', 'job:fail', 'job:retry', 'job:cancel', 'job:complete',
] as const satisfies readonly SchedulerEventName[];
