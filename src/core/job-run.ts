/**
 * One run of one claimed job: builds its context, races the handler against cancel, timeout and a lost lease,
 * decides the outcome (outcome.ts), hands it to the settle batcher, and reports events once it is applied.
 * The Worker decides when runs start and stop; a JobRun only knows its own job.
 */
import { JobCancelledError, JobTimeoutError, LeaseLostError, SchedulerStoppingError } from './errors.js';
import type { Logger } from './logger.js';
import { childLogger } from './logger.js';
import { decide, type RunOutcome } from './outcome.js';
import type { ResolvedRun } from './registry.js';
import type { ClaimedJob, Settlement } from './store.js';
import type { HandlerContext, Json } from './types.js';
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
  readonly controller = new AbortController();
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

  /** Run the handler and settle its outcome. */
  async execute(): Promise<void> {
    const { job, policy, controller } = this;
    const logger = childLogger(this.deps.host.logger, { jobId: job.id, jobName: job.name, attempt: job.attempts });
    const jobView = this.deps.host.publicJob(job);
    this.deps.host.emit('job:start', jobView);
    let timeout: NodeJS.Timeout | null = null;
    if (policy.timeoutMs !== null) {
      timeout = setTimeout(() => this.abort('timeout'), policy.timeoutMs);
    }
    const ctx: HandlerContext = {
      ...this.deps.host.extraContext,
      job: jobView,
      data: jobView.data,
      jobId: job.id,
      jobName: job.name,
      attempt: job.attempts,
      signal: controller.signal,
      logger,
      scheduler: this.deps.host.scheduler,
      progress: (value: Json) => this.saveProgress(value),
    };

    let outcome: RunOutcome;
    try {
      const value = await this.raceAbort(Promise.resolve().then(() => policy.handler(jobView, ctx)));
      outcome = this.reason === 'cancel' ? { kind: 'cancelled' } : { kind: 'success', result: this.resultOf(value, logger) };
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
      this.deps.handlerDone(this);
    }

    if (this.reason === 'lost') {
      logger.warn('lease lost while running (lock expired or job deleted): outcome dropped, the new owner decides');
      return;
    }
    if (this.deps.stopped()) {
      // A handler that ignored its abort and outlived stop(): its lease is no longer renewed and will expire,
      // and another process will run the job. Writing now could race that process.
      logger.warn('handler finished after the scheduler stopped: outcome dropped, the job runs again elsewhere');
      return;
    }
    const decision = decide(job, outcome, policy, this.startedAt, this.deps.host.now(), this.deps.host.workerId);
    const applied = await this.deps.settle(decision.settlement);
    if (!applied) {
      logger.warn('this worker no longer holds the job (its lock expired and it was taken over): outcome dropped');
      return;
    }
    this.report(decision, outcome, logger);
  }

  private report(decision: ReturnType<typeof decide>, outcome: RunOutcome, logger: Logger): void {
    const s = decision.settlement;
    const finished = this.deps.host.publicJob({
      ...this.job,
      status: decision.verdict === 'cancelled' ? 'cancelled' : s.status,
      nextRunAt: s.nextRunAt ?? this.job.nextRunAt,
      dueAt: s.dueAt ?? this.job.dueAt,
      attempts: s.attempts ?? this.job.attempts,
      result: s.result !== undefined ? s.result : this.job.result,
      lastError: s.lastError !== undefined ? s.lastError : this.job.lastError,
      lastFinishedAt: s.finishedAt,
      lockedBy: null,
      lockedUntil: null,
      updatedAt: s.finishedAt,
    });
    if (s.status === 'pending' && s.nextRunAt !== undefined) this.deps.wakeAt(s.nextRunAt);
    switch (decision.verdict) {
      case 'success':
        logger.debug('job succeeded');
        this.deps.host.emit('job:success', finished);
        this.deps.host.emit('job:complete', finished);
        break;
      case 'retry':
      case 'final-failure': {
        const error = (outcome as { error: Error }).error;
        logger.warn({ err: error }, decision.verdict === 'retry' ? 'job failed; will retry' : 'job failed; no attempts left');
        this.deps.host.emit('job:fail', { job: finished, error });
        if (decision.verdict === 'retry') this.deps.host.emit('job:retry', finished);
        else this.deps.host.emit('job:complete', finished);
        break;
      }
      case 'cancelled':
        logger.info('job cancelled while running');
        break;
      case 'released':
        logger.info('job released for another worker: the scheduler stopped');
        break;
    }
  }

  private resultOf(value: unknown, logger: Logger): Json {
    const { value: json, ok } = toJsonValue(value);
    if (!ok) logger.warn('the handler returned a value JSON cannot store; saving null as its result');
    return json;
  }

  /**
   * Cancel, timeout and a lost lease stop waiting for the handler at once (nobody else will run it, or the
   * outcome is decided without it). A stop waits for the handler to actually stop: releasing a job that still
   * runs would let another process run it at the same time.
   */
  private raceAbort<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        if (this.reason !== 'stop') reject(this.controller.signal.reason);
      };
      this.controller.signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => this.controller.signal.removeEventListener('abort', onAbort));
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
    this.controller.abort(error);
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
