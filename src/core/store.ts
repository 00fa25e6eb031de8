/**
 * The one interface every store implements (SQLite, PostgreSQL, Redis), and the records that cross it.
 *
 * Division of labour: the core decides (what runs next, retry or fail, the next due time of a repeat);
 * a store applies each decision as ONE atomic operation (a transaction, a statement or a Lua script)
 * and guards it with the job's lock token, so a worker that lost its lease can never overwrite a job.
 * All times are epoch milliseconds from the caller's clock (`now` is always passed in).
 * No driver is imported here or anywhere in core.
 */
import type { Logger } from './logger.js';
import type { BackoffSpec, FinishedStatus, Json, JobStatus, RepeatSpec } from './types.js';

/** A job as a store persists it. */
export interface JobRecord {
  id: string;
  name: string;
  data: Json;
  status: JobStatus;
  priority: number;
  /** Runs started in the current cycle; a claim increments it. */
  attempts: number;
  /**
   * Runs allowed per cycle. Set at insert from the job's options or, where the inserting process defines the
   * name, its definition; null only until the first run settles, which writes the value that run used. So
   * every reader sees what ran, whatever it defines itself.
   */
  maxAttempts: number | null;
  backoff: BackoffSpec | null;
  timeoutMs: number | null;
  repeat: RepeatSpec | null;
  /** Unique identity of a repeating job (every() upserts on it). */
  repeatKey: string | null;
  /** Taken by at most one job at a time: a live one, or one within its dedupeFor period (rules/dedupe.ts). */
  dedupeKey: string | null;
  /**
   * The end of the job's dedupeFor period (createdAt + dedupeFor): until then its dedupeKey stays taken, even
   * after it finished. Null: the key is taken only while the job is pending or running.
   */
  dedupeUntil: number | null;
  /** A name for people (HTTP's display name when it differs from the handler); never used to find a job. */
  label: string | null;
  /**
   * The trace context of the call that enqueued the job (W3C trace context as JSON text, written by
   * src/core/tracing.ts when OpenTelemetry is present), so its runs join that trace; opaque to stores.
   */
  trace: string | null;
  /**
   * The tenant the job belongs to (JobOptions.group), null when none: claims rotate between a name's groups
   * and cap each one's runs (rules/groups.ts). Fixed at insert.
   */
  group: string | null;
  /**
   * The due time of the current occurrence. Retries and trigger() move nextRunAt but not dueAt,
   * so the next occurrence of a repeat is computed from dueAt (non-drifting).
   */
  dueAt: number;
  nextRunAt: number;
  lastRunAt: number | null;
  lastFinishedAt: number | null;
  lastError: string | null;
  /** The stack of the error behind lastError (bounded: see outcome.ts), null when there is none. */
  lastErrorStack: string | null;
  result: Json | null;
  progress: Json | null;
  /** A workflow node's place in its graph (rules/flow.ts); null for a job not inserted by insertFlow(). */
  flow: FlowInfo | null;
  /**
   * Dependencies not yet settled for this job (edges not done): a `blocked` job is released (to `pending`) by
   * the settle that brings this to 0. 0 for a job without dependencies.
   */
  waitingFor: number;
  lockedBy: string | null;
  lockedUntil: number | null;
  createdAt: number;
  updatedAt: number;
}

/** A job to insert. Stores fill in id, status 'pending', attempts 0, timestamps. */
export interface NewJob {
  name: string;
  data: Json;
  priority: number;
  maxAttempts: number | null;
  backoff: BackoffSpec | null;
  timeoutMs: number | null;
  repeat: RepeatSpec | null;
  repeatKey: string | null;
  dedupeKey: string | null;
  /**
   * How long the dedupe key stays taken after the job is created (JobRecord.dedupeUntil = now + this); absent
   * or null: only while it is live. Given only with a dedupeKey, and only for one-off jobs (no repeatKey).
   */
  dedupeForMs?: number | null;
  /**
   * With a dedupeKey, one-off jobs only: a pending holder of the key takes this job's data, due time and
   * priority; a running one gets this job queued behind it (rules/dedupe.ts). Absent: false.
   */
  replace?: boolean;
  label: string | null;
  /** JobRecord.trace; absent is null. */
  trace?: string | null;
  /** JobRecord.group; absent is null. */
  group?: string | null;
  dueAt: number;
  nextRunAt: number;
}

/**
 * What a store keeps of a workflow node (JobRecord.flow), written at insert and never changed after. Stores
 * hold it as JSON text; they read `key` (to name a failed dependency) and write `after`.
 */
export interface FlowInfo {
  /** The node's key in the flow() call that inserted it. */
  key: string;
  /** Its dependencies: their keys → their job ids (written by the store, which knows the ids). */
  after?: Record<string, string>;
  /** 'run': it runs even when a dependency fails for good or is cancelled (default: it is cancelled). */
  onDependencyFailure?: 'run';
  /** Some node runs after this one: its result is stored whatever shouldSaveResult says (ctx.results()). */
  dependents?: true;
}

/**
 * A job of a flow to insert (Store.insertFlow): its `after` lists the positions, in the same call, of the
 * jobs it depends on, all before its own (the core sorts the graph).
 */
export interface FlowJob extends NewJob {
  flow: FlowInfo;
  after: number[];
  /**
   * The node's dedupeKey names it for good (ctx.flow's default key, finish-run.ts): a flow job carrying that key,
   * in any status, is this node, as a live holder is (rules/flow.ts, before holdsBackAtInsert). Only with a dedupeKey.
   */
  once?: boolean;
}

export interface InsertResult {
  job: JobRecord;
  /** false: an existing job was returned (dedupe) or updated (repeat key). */
  created: boolean;
}

export interface NameLimit {
  name: string;
  /** Most jobs of this name to claim in this call (this worker's free slots for it). Omit for no local cap. */
  localFree?: number;
  /** Most jobs of this name running at once across all workers (running rows counted in the store). */
  global?: number;
  /**
   * Most jobs of one (name, group) running at once across all workers (define's groupConcurrency; counted in
   * the store as `global` is). Jobs without a group are not capped by it.
   */
  groupConcurrency?: number;
  /**
   * A global rate limit (define's rateLimit with scope 'global', rules/rate.ts): at most `max` claims of this
   * name in any window of `perMs`, counted in the store; with `byGroup`, per (name, group) instead, jobs
   * without a group sharing one window.
   */
  rate?: { max: number; perMs: number; byGroup?: boolean };
}

export interface ClaimRequest {
  now: number;
  workerId: string;
  /** Written to every claimed job; settle/heartbeat/progress must present it (fencing token). */
  lockToken: string;
  /** Most jobs to claim in total. */
  limit: number;
  /** Names this worker can run; null means any name (a fallback handler is set). */
  names: string[] | null;
  /** Per-name caps; names not listed have none. */
  limits: NameLimit[];
  /** lockedUntil = now + this, per name where given, else lockLifetimeMs. */
  lockLifetimeMs: number;
  lockLifetimes?: Record<string, number>;
}

/** A claimed job: status 'running', attempts incremented, lastRunAt = now, locked to the claimer. */
export interface ClaimedJob extends JobRecord {
  lockToken: string;
}

export interface HistoryEntry {
  status: 'completed' | 'failed' | 'cancelled';
  attempt: number;
  startedAt: number;
  completedAt: number;
  error: string | null;
  /** The error's stack (bounded), null when there is none. */
  stack: string | null;
  result: Json | null;
  workerId: string;
}

/** A stored history record: a HistoryEntry with its id (insertion order) and job. */
export interface HistoryRow extends HistoryEntry {
  id: string;
  jobId: string;
}

/**
 * The end of one run, decided by the core. Applied only if the job still carries `lockToken`.
 * If the job was cancelled while it ran (status 'cancelled' in the store), the store keeps it cancelled,
 * clears the lock and records the history entry with status 'cancelled'.
 */
export interface Settlement {
  id: string;
  lockToken: string;
  /** 'pending' for a retry, the next occurrence of a repeat, or a release on shutdown. */
  status: 'pending' | 'completed' | 'failed';
  nextRunAt?: number;
  dueAt?: number;
  /** Set attempts (0 when a repeat starts a new cycle); undefined keeps it. */
  attempts?: number;
  /** Stored on the job when defined (null clears). */
  result?: Json | null;
  /** Stored on the job when defined (null clears). */
  lastError?: string | null;
  /** Stored on the job when defined (null clears); always given together with lastError. */
  lastErrorStack?: string | null;
  /** Stored on the job when defined: the maxAttempts this run used (written when the record had none). */
  maxAttempts?: number;
  finishedAt: number;
  /** One history record for the run; null writes none. */
  history: HistoryEntry | null;
}

/**
 * A memoised entry of a durable run (ctx.step, ctx.sleep, ctx.waitForEvent; rules/steps.ts), kept per job and
 * cycle. `key` is unique within the job: `step:<id>` for ctx.step, `sleep:<n>` and `wait:<n>` for the n-th sleep
 * or wait of a run (call order).
 */
export interface StepRecord {
  key: string;
  kind: 'step' | 'sleep' | 'wait';
  /** 'done': `result` is the memoised value; 'waiting': a wait not yet delivered nor timed out. */
  state: 'done' | 'waiting';
  /** The step's value or the wait's payload (null: timed out); absent for a step that returned undefined and for sleeps. */
  result?: Json;
  /** The attempt of the run that saved it. */
  attempt: number;
  /** When it was saved (a woken wait: when the event was sent). */
  at: number;
  workerId: string;
  /** A sleep's wake time; a wait's timeout. */
  until?: number;
  /** A wait: the event's name, the top-level fields a payload must equal, and since when an event counts. */
  event?: string;
  match?: Record<string, Json>;
  since?: number;
}

/**
 * A run that ends by waiting in the store (ctx.sleep, ctx.waitForEvent): a settlement (status 'pending', due at
 * the wake time or the wait's timeout, attempts restored, no history record) and the entry to store with it.
 */
export interface Suspension extends Settlement {
  step: StepRecord;
}

/** An event as sendEvent stored it (kept EVENT_RETENTION_MS, rules/steps.ts). */
export interface SentEvent {
  name: string;
  payload: Json;
  sentAt: number;
}

export interface Lease {
  id: string;
  lockToken: string;
  /** New lockedUntil. */
  lockedUntil: number;
}

/** 'ok': lease extended; 'cancelled': still ours but cancel() was called; 'lost': another owner or gone. */
export type LeaseState = 'ok' | 'lost' | 'cancelled';

/** One group of a name, as Store.groupCounts answers it (rules/group-counts.ts). */
export interface GroupCount {
  group: string;
  /** Pending jobs of the (name, group) due now (nextRunAt <= now), at most GROUP_COUNT_CAP. */
  due: number;
  /** Running jobs of the (name, group). */
  running: number;
}

/** A rate key's window now, for people (Store.rateWindow, rules/rate.ts): claims logged in it, and the first. */
export interface RateWindow {
  /** Claims logged in (now - perMs, now]. */
  used: number;
  /** The earliest of them (the window has room again at oldest + perMs, if full); null when none. */
  oldest: number | null;
}

/** Jobs by status in all, and for each name asked for, in the order asked (Store.countJobsByName). */
export interface NameCounts {
  all: Record<JobStatus, number>;
  byName: Record<JobStatus, number>[];
}

export interface JobQuery {
  status?: JobStatus[];
  name?: string;
  /**
   * Only jobs whose name, label, data (its JSON text) or lastError contains this text, ignoring the case of
   * ASCII letters (rules/query.ts: matchesText). A store may scan to answer it: the dashboard's search, bounded
   * by `limit`.
   */
  text?: string;
  /**
   * Only jobs with a repeat (cron or interval), whatever their status: the schedules view. Stores keep an index
   * of them (there are few), so this never walks the one-off jobs.
   */
  repeating?: true;
  /**
   * Only jobs of this group (JobRecord.group, compared exactly). Every store keeps an index of each group's jobs
   * by id (SQLite 014, PostgreSQL 020, Redis layout 7), so the list walks that group's jobs, never the table:
   * rules/query.ts says what each order costs with it.
   */
  group?: string;
  /**
   * The order of the list, across pages (rules/query.ts compareJobs): ties by insertion in the same direction,
   * so offset paging is stable. Default newest first ({ by: 'createdAt', dir: 'desc' }). Which orders an index
   * serves, and what the others cost, is in rules/query.ts JOB_ORDER_FIELDS.
   */
  order?: JobOrder;
  limit: number;
  offset: number;
}

/** A list's order (JobQuery.order). The fields are rules/query.ts JOB_ORDER_FIELDS. */
export interface JobOrder {
  by: JobOrderField;
  dir: 'asc' | 'desc';
}

export type JobOrderField = 'createdAt' | 'updatedAt' | 'nextRunAt' | 'lastRunAt' | 'priority' | 'attempts' | 'name';

/** A scheduler's runs of one name in one minute, as its process reports them (ProcessRecord.activity). */
export interface ActivityBucket {
  /** The minute's start, epoch ms. */
  minute: number;
  name: string;
  completed: number;
  failed: number;
  /** Failures that will be retried (counted in `failed` too). */
  retried: number;
  /** How many runs took at most each of RUN_TIME_BOUNDS_MS (core/activity.ts), the last one any longer. */
  runTimes: number[];
}

/** One scheduler process sharing the store, as its last heartbeat wrote it (Scheduler.processes()). */
export interface ProcessRecord {
  /** The scheduler's workerId. */
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  lastSeenAt: number;
  /** When it stopped; null while it runs. A stopped or silent process is listed for a while, then forgotten. */
  stoppedAt: number | null;
  concurrency: number;
  running: number;
  /** Names it has handlers for; null when a fallback handler runs any name. */
  names: string[] | null;
  /** Its runs by minute and name over the last hour. */
  activity: ActivityBucket[];
}

export interface JobPatch {
  data?: Json;
  priority?: number;
  maxAttempts?: number | null;
  repeat?: RepeatSpec | null;
  nextRunAt?: number;
  dueAt?: number;
}

export interface CancelResult {
  job: JobRecord;
  /** Status before the call; a finished job ('completed', 'failed', 'cancelled') is left as it was. */
  previous: JobStatus;
}

export interface MigrationStatus {
  applied: { version: number; name: string; appliedAt: number | null }[];
  pending: { version: number; name: string }[];
}

export interface StoreInitOptions {
  logger: Logger;
}

/** What prune() deletes (see Store.prune). Times are epoch ms; a status left out is kept forever. */
export interface PruneRequest {
  /** Finished jobs of each status whose lastFinishedAt is before this time go, with their history. */
  finishedBefore: Partial<Record<'completed' | 'failed' | 'cancelled', number>>;
  /** History records (of any job) that completed before this time go; null keeps them. */
  historyBefore: number | null;
  /** At most this many jobs, and at most this many history records, per call. */
  limit: number;
  /**
   * When the sweep runs: a dependent that a pruned flow job stops holding back (rules/flow.ts pruned) takes it as
   * its updatedAt. Default: the store's clock.
   */
  now?: number;
}

export interface PruneResult {
  /** Jobs deleted. */
  jobs: number;
  /** History records deleted on their own (not counting those of the deleted jobs). */
  history: number;
}

/** Groups' upkeep (Store.pruneGroups, rules/groups.ts forgettable): one page of a store's groups. */
export interface GroupPruneRequest {
  now: number;
  /** A group whose rate key logged a claim at or after this is kept: at least one rate window before `now`. */
  rateBefore: number;
  /** Groups visited in this call, at most (idle or not). */
  limit: number;
  /** Where the last call stopped (its `next`); null starts from the first group. Opaque, store-defined. */
  cursor: string | null;
}

export interface GroupPruneResult {
  /** Groups forgotten in this call. */
  forgotten: number;
  /** Where to go on from; null when this call reached the last group (the next walk starts over). */
  next: string | null;
}

export interface Store {
  /** 'sqlite' | 'postgres' | 'redis'; shown in health() and logs. */
  readonly kind: string;
  /**
   * How many jobs a worker holds claimed ahead of its free slots, at most, when its `prefetch` option is not
   * given (the worker takes the larger of this and 10 × concurrency; claim-buffer.ts still holds no more than
   * ~50 ms of work). A store whose every claim and settle pays a fixed cost (a statement's start, a transaction's
   * commit) runs short jobs faster with bigger batches. Absent: 10 × concurrency.
   */
  readonly defaultPrefetch?: number;

  /** Connect and bring the schema up to date (runs migrate()). Idempotent; after close() it connects again. */
  init(options: StoreInitOptions): Promise<void>;
  /**
   * Release what the store owns (never a pool or client the user passed in). The store may be init()ed again
   * afterwards: a stopped Scheduler reopens it on its next call.
   */
  close(): Promise<void>;
  /** Apply pending migrations once, safe with many processes racing. */
  migrate(): Promise<MigrationStatus>;
  migrationStatus(): Promise<MigrationStatus>;
  /** Throws when the store does not answer. */
  ping(): Promise<void>;

  /**
   * Insert jobs in one atomic operation, in order. A job whose dedupeKey is taken (by a pending or running
   * job, or by one whose dedupeUntil is after `now`: rules/dedupe.ts) returns that holder (created false);
   * with `replace`, a pending one-off holder takes its data, due time and priority instead, and a running one
   * gets the job inserted, queued behind it (claim() does not take it until no other job of its key runs). A job with a repeatKey that exists updates that job's name, data,
   * options and repeat; its nextRunAt/dueAt are replaced only when the repeat changed or the job had finished
   * (then it is pending again with attempts 0); created false.
   */
  insert(jobs: NewJob[], now: number): Promise<InsertResult[]>;

  /**
   * Insert a workflow graph in one atomic operation (all or nothing), in order, as insert() does for each job
   * (a dedupe key held returns its holder), plus: a job with `after` starts `blocked`, waitingFor = its distinct dependencies (two may be one deduped job),
   * its flow.after written as key → id, and an edge (dependency → dependent) stored for each dependency, so a
   * settle finds the dependents with an index seek. rules/flow.ts says what settle, cancel, trigger and remove
   * then do along the edges.
   */
  insertFlow(jobs: FlowJob[], now: number): Promise<InsertResult[]>;

  /**
   * One atomic operation: first return every running job whose lock expired (lockedUntil < now) to
   * pending (nextRunAt = now), writing a 'failed' history entry "lock expired …" for the lost run; then claim
   * up to `limit` due pending jobs (nextRunAt <= now) of the allowed names, not paused, ordered by priority
   * (higher first), then nextRunAt, then insertion order, honouring `limits`.
   */
  claim(request: ClaimRequest): Promise<ClaimedJob[]>;

  /**
   * Optional: the earliest time after `now` at which the global rate window of one of these names may gain
   * room (rules/rate.ts rateFreeAt; limits without a `rate` are ignored), null when none is full. Read by a
   * worker after a claim that came back short, so a process held back by a rate claims when the window frees,
   * whichever process filled it, not at its next poll. One cheap read: an index seek per name.
   */
  rateFreeAt?(limits: NameLimit[], now: number): Promise<number | null>;

  /**
   * Apply many settlements atomically; returns, per item, whether it was applied (false: lease lost). A
   * settlement the store already applied (same job, same lockToken: a retry after a lost answer) answers true
   * again and changes nothing (rules/lifecycle.ts settleAnswer): a worker may resend a settle that timed out.
   */
  settle(settlements: Settlement[]): Promise<boolean[]>;

  /**
   * Optional: apply `settlements` exactly as settle() does, then claim exactly as claim() does, in one atomic
   * operation and one round trip (the claim sees the settlements applied).
   */
  settleAndClaim?(settlements: Settlement[], request: ClaimRequest): Promise<{ settled: boolean[]; claimed: ClaimedJob[] }>;

  /**
   * When true, the worker sends outcomes waiting at claim time through settleAndClaim. It saves a round trip and
   * a commit but serialises the two: measured, it wins for an in-process store (SQLite: one transaction instead
   * of two, nothing to overlap) and loses on a fast network (Postgres and Redis on localhost: a settle and a claim
   * in flight together kept the store and Node busy at once). Networked stores leave it off by default.
   */
  readonly preferSettleAndClaim?: boolean;

  /** Extend leases in one operation; returns the state of each. */
  heartbeat(leases: Lease[], now: number): Promise<LeaseState[]>;

  /** Save progress if the lease still holds. */
  saveProgress(id: string, lockToken: string, progress: Json, now: number): Promise<boolean>;

  getJob(id: string): Promise<JobRecord | null>;
  /**
   * Optional: the jobs of `ids` that exist, in the order of `ids` (one read: scheduler.waitFor reads every job it
   * waits for together, up to 500 ids a call). Without it the scheduler calls getJob for each.
   */
  getJobs?(ids: readonly string[]): Promise<JobRecord[]>;
  listJobs(query: JobQuery): Promise<JobRecord[]>;
  /**
   * Number of jobs by status (all statuses present, zero where none), optionally for one name. With
   * `statuses`, only those are counted (the others come back 0): health() and queueSize() ask for 'pending'
   * alone, so they never count the finished jobs a store keeps, which can be millions.
   */
  countJobs(name?: string, statuses?: readonly JobStatus[]): Promise<Record<JobStatus, number>>;
  /**
   * Optional: what countJobs() and countJobs(name) for each of `names` answer, in one read (the overview and
   * /metrics ask for both on every poll; separately they read every job twice). Without it the scheduler makes
   * those calls.
   */
  countJobsByName?(names: readonly string[]): Promise<NameCounts>;
  /**
   * History of one job, oldest first. With `limit`, only the newest `limit` records (still oldest first): a
   * repeating job's history grows with every run, and a view of it must not read them all.
   */
  history(jobId: string, limit?: number): Promise<HistoryRow[]>;
  /**
   * Optional (the dashboard's groups): the groups of `name` with jobs due at `now` or running, with those counts,
   * in byte order of the group; bounded as rules/group-counts.ts says (each due count stops at GROUP_COUNT_CAP, at
   * most GROUP_SCAN groups), so it never counts a tenant's whole backlog.
   */
  groupCounts?(name: string, now: number): Promise<GroupCount[]>;
  /**
   * Optional (the dashboard's throttling): the claims a global rate logged for one rate key (rules/rate.ts rateKey:
   * '' for the name, or a group) in the window (now - perMs, now], and the earliest. One index range of that key.
   */
  rateWindow?(name: string, key: string, perMs: number, now: number): Promise<RateWindow>;

  /**
   * Pending or blocked → cancelled; running → cancelled (lock kept so the running worker still settles it).
   * Its dependents are cancelled in the same operation (rules/flow.ts).
   */
  cancel(id: string, now: number): Promise<CancelResult | null>;
  /**
   * Run now: pending → nextRunAt = now; completed/failed/cancelled → pending, attempts 0, nextRunAt = now;
   * running is left as it is. A finished job whose dedupeKey another job takes at `now` (pending, running, or
   * within its dedupeFor period: rules/dedupe.ts) is left as it is and the call throws DedupeConflictError
   * (never two holders of one key). A finished job within its own dedupeFor period is the holder: it runs again.
   */
  trigger(id: string, now: number): Promise<JobRecord | null>;
  /** Change fields of a job that is not running. Returns null when the id is unknown. */
  update(id: string, patch: JobPatch, now: number): Promise<JobRecord | null>;
  /**
   * Delete a job and its history. Its dependents not yet released are cancelled first, as by cancel()
   * (rules/flow.ts cascade, 'removed'), at `now` (default: the store's clock).
   */
  remove(id: string, now?: number): Promise<boolean>;
  /**
   * Optional: the updatedAt (finish time) of the finished job of `status` at 0-based `rank` among them, newest
   * first, or null when there are not that many: retention's `count` (core/retention.ts) keeps the jobs at least
   * as new as the one at rank count - 1. One seek of the finished-time index, `rank` entries read.
   */
  finishedAt?(status: FinishedStatus, rank: number): Promise<number | null>;
  /**
   * Retention: delete finished jobs older than their status's cutoff (with their history), and history
   * records older than historyBefore, at most `limit` of each, each part atomically. Pending and running
   * jobs are never touched (a repeating job is never finished unless cancelled). The cost must stay
   * proportional to `limit`, not to the number of jobs kept: callers repeat while a count equals `limit`.
   * History records are taken oldest first by insertion; a store may skip records out of that order (a host
   * with a clock behind the others) until the ones inserted before them expire.
   */
  prune(request: PruneRequest): Promise<PruneResult>;

  /**
   * Optional groups' upkeep: visit up to `limit` of the store's (name, group) entries after `cursor`, and forget
   * each that rules/groups.ts `forgettable` allows (its stamp, ready or wake state and rate key's log), each
   * atomically against claims and inserts: a job made pending beside it finds its group anew, as a new group.
   */
  pruneGroups?(request: GroupPruneRequest): Promise<GroupPruneResult>;

  /**
   * Write this process's record (insert or replace by id), and forget every record last seen before
   * `forgetBefore`. Called every few seconds by each running scheduler.
   */
  putProcess(record: ProcessRecord, forgetBefore: number): Promise<void>;
  /** Every process record kept, oldest start first (then by id). */
  listProcesses(): Promise<ProcessRecord[]>;

  /** Paused names are never claimed, by any process. */
  setPaused(name: string, paused: boolean): Promise<void>;
  pausedNames(): Promise<string[]>;

  /** Named distributed locks with an owner and a time to live. */
  acquireLock(name: string, owner: string, ttlMs: number, now: number): Promise<boolean>;
  releaseLock(name: string, owner: string): Promise<boolean>;

  // ---- durable runs (rules/steps.ts). Optional: a store without them refuses ctx.step, ctx.sleep, sendEvent.

  /** Every entry of the job's current cycle, in compareSteps order; [] for an unknown id. */
  loadSteps?(id: string): Promise<StepRecord[]>;
  /** Store (insert or replace by key) an entry if this run still holds the running job (as saveProgress). */
  saveStep?(id: string, lockToken: string, step: StepRecord, now: number): Promise<boolean>;
  /** Delete the job's entries if this run still holds the running job (a repeat's cycle ends). */
  clearSteps?(id: string, lockToken: string): Promise<boolean>;
  /**
   * Apply a Suspension as settle() applies a settlement, and store its entry when the job is left pending. A
   * waiting entry is first checked against the events sent since its `since`: a match makes it done (the
   * payload its result) and the job due now; otherwise the job is registered as waiting for the event. A
   * suspension already applied (resent after a lost answer) answers true and writes nothing, as settle() does.
   */
  suspend?(s: Suspension): Promise<boolean>;
  /** The first event of this name sent at or after `since` whose payload matches (rules/steps.ts matchesEvent). */
  findEvent?(name: string, match: Record<string, Json>, since: number): Promise<SentEvent | null>;
  /**
   * One atomic operation: store the event (and forget this name's events older than EVENT_RETENTION_MS), then
   * wake every pending job waiting for it whose match it satisfies (entry done with the payload, due now).
   * Returns the number woken.
   */
  sendEvent?(name: string, payload: Json, now: number): Promise<number>;
  /**
   * Retention of events (rules/steps.ts eventForgotten): forget every event sent before `before`, of any name.
   * sendEvent forgets its own name's old events; this reaches the names nobody sends again. Returns how many
   * were forgotten. The work is what was sent in one retention interval, a day earlier.
   */
  pruneEvents?(before: number): Promise<number>;

  /**
   * Optional cross-process wake-ups: call `onWake` when another process made work due (insert, retry, trigger).
   * A hint only; the scheduler still polls. Returns an unsubscribe function.
   */
  subscribe?(onWake: () => void): Promise<() => Promise<void>>;
}

/** `rows` in the order of `keys` (a statement's rows come in whatever order it read them): getJobs' answer. */
export function inOrderOf<R, K>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): R[] {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  const ordered: R[] = [];
  for (const key of keys) {
    const row = byKey.get(key);
    if (row !== undefined) ordered.push(row);
  }
  return ordered;
}
