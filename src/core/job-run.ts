/**
 * One run of one claimed job: builds its context, races the handler against cancel, timeout and a lost lease,
 * decides the outcome (outcome.ts), hands it to the settle batcher, and reports events once it is applied.
 * The Worker decides when runs start and stop; a JobRun only knows its own job.
 */
import { JobCancelledError, JobTimeoutError, LeaseLostError, SchedulerStoppingError, ValidationError } from './errors.js';
import type { Logger } from './logger.js';
import { childLogger } from './logger.js';
import { decide, type Decision, type RunOutcome } from './outcome.js';
import type { ResolvedRun } from './registry.js';
import type { ClaimedJob, NewJob, Settlement } from './store.js';
import type { FollowUpOptions, HandlerContext, Job, Json, ScheduleSpec } from './types.js';
import { assertJson, toJsonValue } from './validate.js';
import type { WorkerHost } from './worker.js';

export type AbortReason = 'cancel' | 'timeout' | 'lost' | 'stop';

const NO_JOBS: NewJob[] = [];

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
  /** Jobs the handler asked for with ctx.followUp(), enqueued only if the run succeeds. */
  private followUps: NewJob[] | null = null;
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
    const followUps = this.followUpJobs(decision, outcome, jobView);
    // Follow-ups go in before the outcome is recorded: a crash between the two runs the job again (and they
    // dedupe while still pending) rather than losing them. If they cannot be enqueued, the run is not settled:
    // its lock expires and it runs again.
    if (followUps.length > 0 && !(await this.enqueueFollowUps(followUps))) return;
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
      followUp: (name: string, data?: unknown, options?: FollowUpOptions) => {
        if (options !== undefined && (typeof options !== 'object' || options === null)) throw new ValidationError('options', options, 'must be an object');
        const spec = { ...options, name, data } as ScheduleSpec;
        (this.followUps ??= []).push(this.deps.host.followUpJob(spec, 'followUp'));
      },
    };
    const extra = this.deps.host.extraContext;
    for (const key in extra) if (!(key in ctx)) ctx[key] = extra[key];
    return ctx;
  }

  /** The job as the outcome leaves it, for events and webhooks (built only when one of them wants it). */
  private finishedView(decision: Decision, started: Job): Job {
    const s = decision.settlement;
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
  }

  /**
   * The jobs this run's outcome asks for: on success, the definition's `then` (the result as data) and the
   * handler's ctx.followUp()s; on success or failure, webhook deliveries. Each gets a dedupe key from the job
   * and its due time unless it has its own, so a run repeated after a crash does not enqueue them twice while
   * the first ones are still pending.
   */
  private followUpJobs(decision: Decision, outcome: RunOutcome, started: Job): NewJob[] {
    const verdict = decision.verdict;
    const webhooks = this.deps.host.webhooks;
    const success = verdict === 'success';
    if (!success && (webhooks === null || (verdict !== 'retry' && verdict !== 'final-failure'))) return NO_JOBS;
    if (success && webhooks === null && this.policy.then.length === 0 && this.followUps === null) return NO_JOBS;
    const host = this.deps.host;
    const runKey = `${this.job.id}:${this.job.dueAt}`;
    const jobs: NewJob[] = [];
    if (success) {
      const result = (outcome as { result: Json }).result;
      for (const name of this.policy.then) jobs.push(host.followUpJob({ name, data: result }, 'then'));
      if (this.followUps) jobs.push(...this.followUps);
      jobs.forEach((job, i) => (job.dedupeKey ??= `then:${runKey}:${i}`));
    }
    if (webhooks !== null) {
      const error = success ? null : (decision.settlement.lastError ?? null);
      const specs = webhooks.deliveriesFor(verdict, this.job.name, () => this.finishedView(decision, started), error, runKey, this.job.attempts);
      for (const spec of specs) jobs.push(host.followUpJob(spec, 'webhook'));
    }
    return jobs;
  }

  /** Insert the follow-ups, retrying a failing store a few times while this run still holds the job. */
  private async enqueueFollowUps(jobs: NewJob[]): Promise<boolean> {
    const host = this.deps.host;
    for (let attempt = 0; ; attempt++) {
      try {
        await host.enqueue(jobs);
        return true;
      } catch (error) {
        host.reportStoreError(error as Error);
        if (attempt >= 4 || this.deps.stopped()) {
          this.logger.error({ err: error }, 'could not enqueue the follow-up jobs: the run is not recorded, and runs again once its lock expires');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  private report(decision: Decision, outcome: RunOutcome, started: Job): void {
    const s = decision.settlement;
    const host = this.deps.host;
    if (s.status === 'pending' && s.nextRunAt !== undefined) this.deps.wakeAt(s.nextRunAt);
    const finished = (): Job => this.finishedView(decision, started);
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
