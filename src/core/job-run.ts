/**
 * One run of one claimed job: builds the handler's context, calls the handler, and waits until it returns,
 * whatever aborts it meanwhile (cancel, timeout, a lost lease, stop). Only then is the outcome known, so a run
 * that outlives its abort keeps its slot (and, through the worker's heartbeats, its lease): no retry and no
 * other job of its name starts beside a handler that ignores its signal.
 *
 * What the outcome then becomes is finish-run.ts; when runs start and stop is the Worker's. A run reaches
 * nothing outside itself but its RunContext.
 */
import { JobCancelledError, JobTimeoutError, LeaseLostError, SchedulerStoppingError, ValidationError } from './errors.js';
import { DurableRun, type WaitOptions } from './durable.js';
import { childLogger, type Logger } from './logger.js';
import type { Decision, RunOutcome } from './outcome.js';
import type { ResolvedRun } from './registry.js';
import type { Pending } from './settle-batcher.js';
import type { ClaimedJob, FlowJob, NewJob, Settlement, Store } from './store.js';
import type { Tracing } from './tracing.js';
import type { Duration, FlowNode, FollowUpOptions, HandlerContext, Job, JobsClient, Json, ScheduleSpec } from './types.js';
import { dependencyResults } from './results.js';
import { assertJson, toJsonValue } from './validate.js';

export type AbortReason = 'cancel' | 'timeout' | 'lost' | 'stop';

/** A handler still running this long after its abort is reported, once, as overdue. */
export const OVERDUE_AFTER_MS = 1_000;

/** What every run of a worker shares: one object, built once, so starting a run allocates no closures for it. */
export interface RunContext {
  now(): number;
  /** The worker's logger; a run logs through a child of it (jobId, jobName, attempt). */
  logger: Logger;
  /** ctx.scheduler. */
  client: JobsClient;
  /** The scheduler's `context` option, merged into every ctx. */
  extras: Readonly<Record<string, unknown>>;
  /** ctx.progress(): saved only while this run's lease holds (Store.saveProgress); false when it does not. */
  saveProgress(job: ClaimedJob, progress: Json, now: number): Promise<boolean>;
  /** ctx.followUp(): a follow-up's spec as a job to insert (validated; throws ValidationError). */
  followUpJob(spec: ScheduleSpec, field: string): NewJob;
  /** ctx.flow(): a sub-graph's nodes as jobs to insert (validated; throws ValidationError). */
  flowJobs(nodes: unknown, field: string): FlowJob[];
  /** The store applied this run's settlement, or did not (the lease was lost): see finish-run.ts. */
  settled(run: JobRun, applied: boolean): void;
  /** The public view of a claimed job (toJob, with the maxAttempts its definition resolves). */
  view(job: ClaimedJob): Job;
  /** Spans, when OpenTelemetry is installed: the handler runs inside a run span (tracing.ts). */
  tracing: Tracing | null;
  /** The store, for durable runs (durable.ts: steps, sleeps, waits). */
  store(): Store;
  /** How long a durable run's store call may take (ms): the worker's store-call timeout (worker.ts). */
  storeCallTimeout?(): number;
  workerId: string;
}

const CANCELLED: RunOutcome = { kind: 'cancelled' };
/** Most handlers return nothing: one outcome for all of them (outcomes are read, never changed). */
const SUCCESS_WITHOUT_RESULT: RunOutcome = { kind: 'success', result: null };
const RELEASED_ON_STOP: RunOutcome = { kind: 'released', reason: 'interrupted: the scheduler stopped' };

/**
 * A run is also its own settle request (Pending): the settle batcher tells it whether the store applied its
 * settlement, so recording an outcome costs no promise or closure per job.
 */
export class JobRun implements Pending {
  /** Created when the handler first reads ctx.signal: most handlers never do, and an AbortController is not free. */
  private controller: AbortController | null = null;
  /** Why the run was aborted, as the error ctx.signal carries. */
  private abortError: Error | null = null;
  private runLogger: Logger | null = null;
  private overdueTimer: NodeJS.Timeout | null = null;
  /** Jobs the handler asked for with ctx.followUp(), enqueued only if the run succeeds. */
  followUps: NewJob[] | null = null;
  /** Sub-graphs the handler asked for with ctx.flow(), inserted only if the run succeeds (each one insertFlow). */
  flows: FlowJob[][] | null = null;
  /** The first reason the run was aborted for, or null. */
  reason: AbortReason | null = null;
  readonly startedAt: number;
  /** True once the handler returned or threw: only then is its slot free. */
  handlerDone = false;
  /** True once the run is over: the handler returned and its outcome was recorded or dropped (ended()). */
  isOver = false;
  private overWaiters: (() => void)[] | null = null;
  /** What finish-run.ts decided, and the settlement handed to the store (this run is its Pending). */
  decision: Decision | null = null;
  outcome: RunOutcome | null = null;
  settlement!: Settlement;
  /** ctx.step / sleep / waitForEvent state, made on the first such call (durable.ts). */
  durable: DurableRun | null = null;

  /** The view while the handler runs (see `view`); null before it is asked for and once the handler returned. */
  private started: Job | null = null;

  constructor(
    readonly job: ClaimedJob,
    readonly policy: ResolvedRun,
    private readonly env: RunContext,
  ) {
    this.startedAt = env.now();
  }

  /**
   * The job as the handler sees it (its first argument, ctx.job), also the payload of job:start: built on first
   * use, and the same object until the handler returns. Then the run lets go of it (execute): a finished run
   * waits for its settle in the settle batcher, and a view held that long (an object of 28 fields and five
   * Dates) outlives young-generation collections and is copied by each. Measured on the null store: ~4 µs a job
   * of the core's ~11 (bench/core/node-cost-ab.ts). Events and webhooks after the settle build it again from
   * the claimed job, only when someone listens.
   */
  get view(): Job {
    return (this.started ??= this.env.view(this.job));
  }

  /** Resolves once the run is over (stop() waits for it); a promise made only when someone waits. */
  whenOver(): Promise<void> {
    if (this.isOver) return Promise.resolve();
    return new Promise((resolve) => (this.overWaiters ??= []).push(resolve));
  }

  /** The run is over (called once by the Worker): its outcome was recorded or dropped. */
  ended(): void {
    this.isOver = true;
    const waiters = this.overWaiters;
    this.overWaiters = null;
    if (waiters) for (const resolve of waiters) resolve();
  }

  /** Pending: the store applied this run's settlement, or not. */
  settled(applied: boolean): void {
    this.env.settled(this, applied);
  }

  /** The signal handed to the handler: aborts on cancel, timeout, lost lease or stop. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortError) this.controller.abort(this.abortError);
    }
    return this.controller.signal;
  }

  /** This run's logger (fields jobId, jobName, attempt), built on first use: most successful runs never log. */
  get logger(): Logger {
    this.runLogger ??= childLogger(this.env.logger, { jobId: this.job.id, jobName: this.job.name, attempt: this.job.attempts });
    return this.runLogger;
  }

  /**
   * Call the handler and wait until it returns or throws, however long after an abort that is. Resolves with
   * the outcome to record, or null when there is none to record (the lease was lost: the new owner decides).
   * Never rejects; a synchronous throw is a failure like a rejection. The handler is called at once: the
   * Worker calls this from a microtask of its own, never inside its dispatch loop.
   */
  async execute(): Promise<RunOutcome | null> {
    const timeoutMs = this.policy.timeoutMs;
    const timeout = timeoutMs === null ? null : setTimeout(() => this.abort('timeout'), timeoutMs);
    let value: unknown;
    let error: Error | null = null;
    try {
      const tracing = this.env.tracing;
      value = tracing?.runs(this.job)
        ? await tracing.run(this.job, async () => this.policy.handler(this.view, this.context()))
        : await this.policy.handler(this.view, this.context());
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
    } finally {
      if (timeout) clearTimeout(timeout);
      if (this.overdueTimer) clearTimeout(this.overdueTimer);
      this.handlerDone = true;
      this.started = null; // see `view`
    }
    // A sleep or wait ended the run (whatever the handler did with the sentinel): it waits in the store, unless
    // a cancel or a lost lease decides otherwise.
    const suspended = this.durable?.suspended;
    if (suspended && this.reason !== 'cancel' && this.reason !== 'lost') return { kind: 'suspended', step: suspended.step, until: suspended.until };
    // A step's save failed or timed out (durable.ts): whatever the handler did with that error, the run failed.
    const unsaved = this.durable?.unsaved;
    if (unsaved && (this.reason === null || this.reason === 'stop')) return this.reason === null ? { kind: 'failure', error: error ?? unsaved } : RELEASED_ON_STOP;
    switch (this.reason) {
      case null:
        return error ? { kind: 'failure', error } : this.success(value);
      case 'timeout':
        // Whatever the handler did after its time ran out, the attempt failed (and is retried only now).
        return { kind: 'failure', error: this.abortError! };
      case 'cancel':
        return CANCELLED;
      case 'lost':
        this.logger.warn('lease lost while running (lock expired or job deleted): outcome dropped, the new owner decides');
        return null;
      case 'stop':
        // A handler that finished its work despite the stop keeps its result; one that gave up is released.
        return error ? RELEASED_ON_STOP : this.success(value);
    }
  }

  /**
   * Abort the handler's signal. The run goes on until the handler returns: cancel, timeout and a lost lease
   * decide what its outcome will be; stop waits for it as well (releasing a job that still runs would let
   * another process run it at the same time).
   */
  abort(reason: AbortReason): void {
    if (this.reason !== null || this.handlerDone) return;
    this.reason = reason;
    const { name, id } = this.job;
    const error =
      reason === 'cancel'
        ? new JobCancelledError(name, id)
        : reason === 'timeout'
          ? new JobTimeoutError(name, id, this.policy.timeoutMs ?? 0)
          : reason === 'lost'
            ? new LeaseLostError(name, id)
            : new SchedulerStoppingError();
    this.abortError = error;
    this.controller?.abort(error);
    // stop() has its own deadline and its own message for handlers that ignore it.
    if (reason !== 'stop') {
      this.overdueTimer = setTimeout(() => this.reportOverdue(), OVERDUE_AFTER_MS);
      this.overdueTimer.unref?.();
    }
  }

  private reportOverdue(): void {
    this.overdueTimer = null;
    if (this.handlerDone) return;
    this.logger.warn(
      { reason: this.reason, abortedMsAgo: OVERDUE_AFTER_MS },
      `overdue: the handler still runs after its ${this.reason} aborted it; it keeps its slot until it returns, and its outcome is recorded then`,
    );
  }

  /** The handler's second argument (see RunCtx). */
  private context(): HandlerContext {
    return new RunCtx(this, this.view, this.env) as unknown as HandlerContext;
  }

  /** ctx.followUp(): validated at once; enqueued only if the run succeeds (finish-run.ts). */
  followUp(name: string, data?: unknown, options?: FollowUpOptions): void {
    if (options !== undefined && (typeof options !== 'object' || options === null)) throw new ValidationError('options', options, 'must be an object');
    const spec = { ...options, name, data } as ScheduleSpec;
    (this.followUps ??= []).push(this.env.followUpJob(spec, 'followUp'));
  }

  /** ctx.flow(): validated at once; inserted only if the run succeeds (finish-run.ts). */
  flow(nodes: FlowNode[]): void {
    (this.flows ??= []).push(this.env.flowJobs(nodes, 'flow'));
  }

  /** ctx.results(): the results of this workflow node's dependencies, by key. */
  results(): Promise<Record<string, Json>> {
    return dependencyResults(this.job, this.env.client);
  }

  private success(value: unknown): RunOutcome {
    return value === undefined || value === null ? SUCCESS_WITHOUT_RESULT : { kind: 'success', result: this.resultOf(value) };
  }

  private resultOf(value: unknown): Json {
    const { value: json, ok } = toJsonValue(value);
    if (!ok) this.logger.warn('the handler returned a value JSON cannot store; saving null as its result');
    return json;
  }

  /** ctx.step, ctx.sleep, ctx.waitForEvent: the run's durable state, made on first use. */
  durableRun(): DurableRun {
    if (this.durable) return this.durable;
    const run = this;
    const env = this.env;
    this.durable = new DurableRun({
      job: this.job,
      now: () => env.now(),
      store: () => env.store(),
      callTimeoutMs: env.storeCallTimeout && (() => env.storeCallTimeout!()),
      workerId: env.workerId,
      throwIfAborted() {
        if (run.reason === 'lost' || run.reason === 'cancel') throw run.abortError!;
      },
      leaseLost() {
        run.abort('lost');
        return run.abortError ?? new LeaseLostError(run.job.name, run.job.id);
      },
    });
    return this.durable;
  }

  /** ctx.progress(): saved only while this run's lease holds. */
  async progress(value: Json): Promise<void> {
    const progress = assertJson(value, 'progress');
    if (this.reason === 'lost') throw new LeaseLostError(this.job.name, this.job.id);
    if (!(await this.env.saveProgress(this.job, progress, this.env.now()))) {
      this.abort('lost');
      throw new LeaseLostError(this.job.name, this.job.id);
    }
  }
}

/**
 * A handler's ctx. Every field is an own, enumerable property, as a plain object's would be (handlers spread
 * and destructure ctx, and call its functions unbound). signal and logger are accessors that cost nothing
 * until read: the AbortController and the child logger are made on first use. The functions are plain data
 * properties, closures over the run made with the ctx.
 *
 * Why closures for the functions, rather than accessors binding them on first read as signal and logger do:
 * an accessor has to be defined per instance (Object.defineProperty, a runtime call of about 0.1 µs each),
 * and ten of them made the ctx cost ~1.2 µs per run; eight closures cost ~0.1 µs (bench/core/node-cost.ts,
 * and a micro-benchmark of the two shapes). Why a class at all, not an object literal with getters: a
 * literal's getters are new closures each time, which puts every ctx in dictionary mode (~2.5 µs and ~2 KB
 * per run); shared accessor objects defined in the same order keep one hidden class for all of them.
 */
class RunCtx {
  readonly #run: JobRun;
  declare readonly job: Job;
  declare readonly data: unknown;
  declare readonly jobId: string;
  declare readonly jobName: string;
  declare readonly attempt: number;
  declare readonly scheduler: JobsClient;

  constructor(run: JobRun, view: Job, env: RunContext) {
    this.#run = run;
    const self = this as unknown as Record<string, unknown>;
    self.job = view;
    self.data = view.data;
    self.jobId = view.id;
    self.jobName = view.name;
    self.attempt = view.attempts;
    Object.defineProperty(this, 'signal', RunCtx.SIGNAL);
    Object.defineProperty(this, 'logger', RunCtx.LOGGER);
    self.scheduler = env.client;
    self.progress = (value: Json) => run.progress(value);
    self.followUp = (name: string, data?: unknown, options?: FollowUpOptions) => run.followUp(name, data, options);
    self.results = () => run.results();
    self.flow = (nodes: FlowNode[]) => run.flow(nodes);
    // Durable calls (durable.ts): the run's durable state is made on the first call, never for runs that make none.
    self.step = <T>(id: string, fn: () => T | Promise<T>) => run.durableRun().step(id, fn);
    self.sleep = (duration: Duration) => run.durableRun().sleep(duration);
    self.sleepUntil = (at: Date | number | string) => run.durableRun().sleepUntil(at);
    self.waitForEvent = (name: string, options: WaitOptions) => run.durableRun().waitForEvent(name, options);
    // The scheduler's `context` option: its fields join the base ones (never replacing them).
    const extras = env.extras;
    for (const key in extras) if (!(key in self)) self[key] = extras[key];
  }

  private static readonly SIGNAL: PropertyDescriptor = {
    get(this: RunCtx) {
      return this.#run.signal;
    },
    enumerable: true,
    configurable: true,
  };

  private static readonly LOGGER: PropertyDescriptor = {
    get(this: RunCtx) {
      return this.#run.logger;
    },
    enumerable: true,
    configurable: true,
  };
}
