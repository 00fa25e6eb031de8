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
import { childLogger, type Logger } from './logger.js';
import type { RunOutcome } from './outcome.js';
import type { ResolvedRun } from './registry.js';
import type { ClaimedJob, NewJob } from './store.js';
import type { FollowUpOptions, HandlerContext, Job, JobsClient, Json, ScheduleSpec } from './types.js';
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
}

const CANCELLED: RunOutcome = { kind: 'cancelled' };
const RELEASED_ON_STOP: RunOutcome = { kind: 'released', reason: 'interrupted: the scheduler stopped' };

export class JobRun {
  /** Created when the handler first reads ctx.signal: most handlers never do, and an AbortController is not free. */
  private controller: AbortController | null = null;
  /** Why the run was aborted, as the error ctx.signal carries. */
  private abortError: Error | null = null;
  private runLogger: Logger | null = null;
  private overdueTimer: NodeJS.Timeout | null = null;
  /** Jobs the handler asked for with ctx.followUp(), enqueued only if the run succeeds. */
  followUps: NewJob[] | null = null;
  /** The first reason the run was aborted for, or null. */
  reason: AbortReason | null = null;
  readonly startedAt: number;
  /** True once the handler returned or threw: only then is its slot free. */
  handlerDone = false;
  /** Settles once the run is over: the handler returned and its outcome was recorded or dropped (set by the Worker). */
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly job: ClaimedJob,
    readonly policy: ResolvedRun,
    /** The job as the handler sees it (ctx.job), also the payload of job:start. */
    readonly view: Job,
    private readonly env: RunContext,
  ) {
    this.startedAt = env.now();
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
   * Never rejects.
   */
  async execute(): Promise<RunOutcome | null> {
    const timeoutMs = this.policy.timeoutMs;
    const timeout = timeoutMs === null ? null : setTimeout(() => this.abort('timeout'), timeoutMs);
    let value: unknown;
    let error: Error | null = null;
    try {
      value = await this.callHandler();
    } catch (thrown) {
      error = thrown instanceof Error ? thrown : new Error(String(thrown));
    } finally {
      if (timeout) clearTimeout(timeout);
      if (this.overdueTimer) clearTimeout(this.overdueTimer);
      this.handlerDone = true;
    }
    switch (this.reason) {
      case null:
        return error ? { kind: 'failure', error } : { kind: 'success', result: this.resultOf(value) };
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
        return error ? RELEASED_ON_STOP : { kind: 'success', result: this.resultOf(value) };
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

  /** The handler, always called from a microtask: never inside the worker's dispatch loop, and a synchronous throw is a rejection. */
  private async callHandler(): Promise<unknown> {
    await undefined;
    return this.policy.handler(this.view, this.context());
  }

  /** The handler's second argument. signal and logger are getters, so a run that never reads them never pays for them. */
  private context(): HandlerContext {
    const run = this;
    const view = this.view;
    const ctx: HandlerContext = {
      job: view,
      data: view.data,
      jobId: view.id,
      jobName: view.name,
      attempt: view.attempts,
      get signal() {
        return run.signal;
      },
      get logger() {
        return run.logger;
      },
      scheduler: this.env.client,
      progress: (value: Json) => this.saveProgress(value),
      followUp: (name: string, data?: unknown, options?: FollowUpOptions) => {
        if (options !== undefined && (typeof options !== 'object' || options === null)) throw new ValidationError('options', options, 'must be an object');
        const spec = { ...options, name, data } as ScheduleSpec;
        (this.followUps ??= []).push(this.env.followUpJob(spec, 'followUp'));
      },
    };
    const extras = this.env.extras;
    // The scheduler's `context` option: its fields join the base ones (never replacing them).
    const target = ctx as unknown as Record<string, unknown>;
    for (const key in extras) if (!(key in target)) target[key] = extras[key];
    return ctx;
  }

  private resultOf(value: unknown): Json {
    const { value: json, ok } = toJsonValue(value);
    if (!ok) this.logger.warn('the handler returned a value JSON cannot store; saving null as its result');
    return json;
  }

  private async saveProgress(value: Json): Promise<void> {
    const progress = assertJson(value, 'progress');
    if (this.reason === 'lost') throw new LeaseLostError(this.job.name, this.job.id);
    if (!(await this.env.saveProgress(this.job, progress, this.env.now()))) {
      this.abort('lost');
      throw new LeaseLostError(this.job.name, this.job.id);
    }
  }
}
