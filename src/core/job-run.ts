/**
 * One run of one claimed job: builds its context, races the handler against cancel, timeout and a lost lease,
 * decides the outcome (outcome.ts), hands it to the settle batcher, and reports events once it is applied.
 * The Worker decides when runs start and stop; a JobRun only knows its own job.
 */
import { JobCancelledError, JobTimeoutError, LeaseLostError, SchedulerStoppingError } from './errors.js';
import type { Logger } from './logger.js';
import { childLogger } from './logger.js';
import { decide, type Decision, type RunOutcome } from './outcome.js';
import type { ResolvedRun } from './registry.js';
import type { ClaimedJob, Settlement } from './store.js';
import type { HandlerContext, Job, Json } from './types.js';
import { assertJson, toJsonValue } from './validate.js';
import type { WorkerHost } from './worker.js';

export type AbortReason = 'cancel' | 'timeout' | 'lost' | 'stop';

export interface RunDeps {
  host: WorkerHost;
  /** Queue an outcome; resolves with whether the store applied it (false: the lease was lost). */
  settle(settlement: Settlement): Promise<boolean>;
  /** A job becomes due at this time (a retry or the next occurrence of a repeat). */
  wakeAt(at: number): void;
  /** The handler returned or threw: its slot is free. */
  handlerDone(run: JobRun): void;
  stopped(): boolean;
}

export class JobRun {
  /** Created when the handler first reads ctx.signal: most handlers never do, and an AbortController is not free. */
  private controller: AbortController | null = null;
  /** Why the run was aborted, as the error ctx.signal carries. */
  private abortError: Error | null = null;
  /** Rejects the wait for the handler (cancel, timeout, lost lease; see raceAbort). */
  private stopWaiting: ((error: Error) => void) | null = null;
  private runLogger: Logger | null = null;
  reason: AbortReason | null = null;
  lockedUntil: number;
  readonly startedAt: number;
  /** True once the handler returned or threw (the slot is free; the outcome may still be settling). */
  handlerDone = false;
  done: Promise<void> = Promise.resolve();

  constructor(
    readonly job: ClaimedJob,
    readonly policy: ResolvedRun,
    private readonly deps: RunDeps,
  ) {
    this.startedAt = deps.host.now();
    this.lockedUntil = job.lockedUntil ?? this.startedAt;
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
    this.runLogger ??= childLogger(this.deps.host.logger, { jobId: this.job.id, jobName: this.job.name, attempt: this.job.attempts });
    return this.runLogger;
  }

  /** Run the handler and settle its outcome. */
  async execute(): Promise<void> {
    const { job, policy } = this;
    const host = this.deps.host;
    const jobView = host.publicJob(job);
    host.emit('job:start', jobView);
    let timeout: NodeJS.Timeout | null = null;
    if (policy.timeoutMs !== null) {
      timeout = setTimeout(() => this.abort('timeout'), policy.timeoutMs);
    }
    const ctx = this.context(jobView);

    let outcome: RunOutcome;
    try {
      const value = await this.raceAbort(policy.handler, jobView, ctx);
      outcome = this.reason === 'cancel' ? { kind: 'cancelled' } : { kind: 'success', result: this.resultOf(value) };
    } catch (thrown) {
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
      switch (this.reason) {
        case 'cancel':
          outcome = { kind: 'cancelled' };
          break;
        case 'stop':
          outcome = { kind: 'released', reason: 'interrupted: the scheduler stopped' };
          break;
        case 'timeout':
          outcome = { kind: 'failure', error: new JobTimeoutError(job.name, job.id, policy.timeoutMs!) };
          break;
        default:
          outcome = { kind: 'failure', error };
      }
    } finally {
      if (timeout) clearTimeout(timeout);
      this.handlerDone = true;
      this.stopWaiting = null;
      this.deps.handlerDone(this);
    }

    if (this.reason === 'lost') {
      this.logger.warn('lease lost while running (lock expired or job deleted): outcome dropped, the new owner decides');
      return;
    }
    if (this.deps.stopped()) {
      // A handler that ignored its abort and outlived stop(): its lease is no longer renewed and will expire,
      // and another process will run the job. Writing now could race that process.
      this.logger.warn('handler finished after the scheduler stopped: outcome dropped, the job runs again elsewhere');
      return;
    }
    const decision = decide(job, outcome, policy, this.startedAt, host.now(), host.workerId);
    const applied = await this.deps.settle(decision.settlement);
    if (!applied) {
      this.logger.warn('this worker no longer holds the job (its lock expired and it was taken over): outcome dropped');
      return;
    }
    this.report(decision, outcome, jobView);
  }

  /** The handler's second argument. signal and logger are getters, so a run that never reads them never pays for them. */
  private context(jobView: Job): HandlerContext {
    const run = this;
    const ctx: HandlerContext = {
      job: jobView,
      data: jobView.data,
      jobId: jobView.id,
      jobName: jobView.name,
      attempt: jobView.attempts,
      get signal() {
        return run.signal;
      },
      get logger() {
        return run.logger;
      },
      scheduler: this.deps.host.scheduler,
      progress: (value: Json) => this.saveProgress(value),
    };
    const extra = this.deps.host.extraContext;
    for (const key in extra) if (!(key in ctx)) ctx[key] = extra[key];
    return ctx;
  }

  private report(decision: Decision, outcome: RunOutcome, started: Job): void {
    const s = decision.settlement;
    const host = this.deps.host;
    if (s.status === 'pending' && s.nextRunAt !== undefined) this.deps.wakeAt(s.nextRunAt);
    // The job as it is now, for the events; built only when someone listens.
    const finished = (): Job => {
      const status = decision.verdict === 'cancelled' ? 'cancelled' : s.status;
      const nextRunAt = s.nextRunAt ?? this.job.nextRunAt;
      const at = new Date(s.finishedAt);
      return {
        ...started,
        status,
        nextRunAt: status === 'pending' ? new Date(nextRunAt) : null, // a finished job has no next run
        attempts: s.attempts ?? started.attempts,
        result: s.result !== undefined ? s.result : started.result,
        lastError: s.lastError !== undefined ? s.lastError : started.lastError,
        lastFinishedAt: at,
        lockedBy: null,
        lockedUntil: null,
        updatedAt: at,
      };
    };
    switch (decision.verdict) {
      case 'success': {
        if (!host.listens('job:success') && !host.listens('job:complete')) break;
        const job = finished();
        host.emit('job:success', job);
        host.emit('job:complete', job);
        break;
      }
      case 'retry':
      case 'final-failure': {
        const error = (outcome as { error: Error }).error;
        this.logger.warn({ err: error }, decision.verdict === 'retry' ? 'job failed; will retry' : 'job failed; no attempts left');
        const job = finished();
        host.emit('job:fail', { job, error });
        if (decision.verdict === 'retry') host.emit('job:retry', job);
        else host.emit('job:complete', job);
        break;
      }
      case 'cancelled':
        this.logger.info('job cancelled while running');
        break;
      case 'released':
        this.logger.info('job released for another worker: the scheduler stopped');
        break;
    }
  }

  private resultOf(value: unknown): Json {
    const { value: json, ok } = toJsonValue(value);
    if (!ok) this.logger.warn('the handler returned a value JSON cannot store; saving null as its result');
    return json;
  }

  /**
   * Run the handler and wait for it. Cancel, timeout and a lost lease stop waiting at once (nobody else will
   * run it, or the outcome is decided without it). A stop waits for the handler to actually stop: releasing a
   * job that still runs would let another process run it at the same time.
   */
  private raceAbort(handler: ResolvedRun['handler'], job: Job, ctx: HandlerContext): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.stopWaiting = reject;
      // A microtask first: the handler never runs inside the worker's dispatch loop, and a synchronous throw
      // becomes a rejection like any other.
      queueMicrotask(() => {
        try {
          Promise.resolve(handler(job, ctx)).then(resolve, reject);
        } catch (error) {
          reject(error);
        }
      });
    });
  }

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
    if (reason !== 'stop') this.stopWaiting?.(error);
  }

  private async saveProgress(value: Json): Promise<void> {
    const progress = assertJson(value, 'progress');
    if (this.reason === 'lost') throw new LeaseLostError(this.job.name, this.job.id);
    const saved = await this.deps.host.store.saveProgress(this.job.id, this.job.lockToken, progress, this.deps.host.now());
    if (!saved) {
      this.abort('lost');
      throw new LeaseLostError(this.job.name, this.job.id);
    }
  }
}
