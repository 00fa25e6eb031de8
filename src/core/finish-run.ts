/**
 * What a run's outcome becomes once its handler has returned: the decision (outcome.ts), the jobs it asks for
 * (the definition's `then`, ctx.followUp(), webhook deliveries), the settlement handed to the settle batcher,
 * and the events reported once the store applied it. One per worker; it knows nothing of slots or claims.
 *
 * A run without follow-ups goes through without a promise of its own: the run is its settle request
 * (JobRun implements Pending), the batcher calls back settled(), and ended() tells the worker the run is over.
 */
import type { JobRun } from './job-run.js';
import { decide, type Decision, type RunOutcome } from './outcome.js';
import type { Pending } from './settle-batcher.js';
import type { ClaimedJob, FlowJob, NewJob, Suspension } from './store.js';
import type { Job, Json, ScheduleSpec, SchedulerEvents } from './types.js';
import type { Webhooks } from './webhooks.js';

/** The scheduler's events, as the run path emits them. */
export interface EventSink {
  emit<E extends keyof SchedulerEvents>(event: E, ...args: SchedulerEvents[E]): void;
  /** Whether anyone listens to this event (an event nobody hears is not worth building). */
  listens(event: keyof SchedulerEvents): boolean;
  /**
   * A run's outcome was recorded: success, or a failure retried or final (activity.ts counts them). Called for
   * every run before any event, with no job view built: keep it to a few increments.
   */
  ran?(name: string, verdict: 'success' | 'retry' | 'final-failure', runMs: number, finishedAt: number): void;
}

export interface FinishContext {
  workerId: string;
  now(): number;
  events: EventSink;
  /** A follow-up's spec as a job to insert (validated; throws ValidationError). */
  followUpJob(spec: ScheduleSpec, field: string): NewJob;
  /** Insert follow-up jobs (those of runs ending together share one store operation: insert-batcher.ts). */
  enqueue(jobs: NewJob[]): Promise<void>;
  /** Insert a sub-graph asked for by ctx.flow() (Store.insertFlow). */
  enqueueFlow(jobs: FlowJob[]): Promise<void>;
  /** Webhook deliveries to enqueue after runs; null without the webhooks option. */
  webhooks: Webhooks | null;
  storeFailed(error: Error): void;
  /** Queue a settlement; `pending.settled(applied)` follows once the store applied it (or not: the lease was lost). */
  settle(pending: Pending): void;
  /** The run is over: its outcome was recorded and reported, or dropped. Called once per finish(). */
  ended(run: JobRun): void;
  /** A job becomes due at this time (a retry, the next occurrence of a repeat). */
  wakeAt(at: number): void;
  /** True once the worker has stopped: follow-ups are no longer retried. */
  stopped(): boolean;
  /** Store.suspend: a run that ends waiting in the store (durable.ts). */
  suspend(s: Suspension): Promise<boolean>;
  /** Store.clearSteps for this run (a repeat's cycle that used steps ends). */
  clearSteps(job: ClaimedJob): Promise<boolean>;
}

const NO_JOBS: NewJob[] = [];
/** The policy of a job that never started: nothing of it is used but the shape decide() wants. */
const UNSTARTED = { maxAttempts: 1, backoff: { type: 'fixed' as const, delay: 0 }, saveResult: false };

export class RunFinisher {
  constructor(private readonly env: FinishContext) {}

  /**
   * Record a run's outcome (its handler has returned), then report it; env.ended(run) follows once that is
   * done or given up. `now`: when the handler returned, if the caller has it at hand.
   */
  finish(run: JobRun, outcome: RunOutcome, now: number = this.env.now()): void {
    const env = this.env;
    const decision = decide(run.job, outcome, run.policy, run.startedAt, now, env.workerId);
    run.decision = decision;
    run.outcome = outcome;
    run.settlement = decision.settlement;
    if (outcome.kind === 'suspended') return void this.suspend(run, { ...decision.settlement, step: outcome.step });
    const followUps = this.followUpJobs(run, decision, outcome);
    // A repeating job whose run used steps starts its next occurrence without them (rules/steps.ts).
    const clear = run.durable !== null && run.durable.used && decision.settlement.dueAt !== undefined;
    // ctx.flow() sub-graphs go in as follow-ups do, on success only, each node named for good by the run.
    const flows = run.flows !== null && decision.verdict === 'success';
    if (flows) onceKeys(run);
    if (followUps.length === 0 && !clear && !flows) return env.settle(run);
    void this.settleAfterFollowUps(run, followUps, clear);
  }

  /**
   * Follow-ups go in before the outcome is recorded: a crash between the two runs the job again (and they
   * dedupe while still pending) rather than losing them. If they cannot be enqueued, the run is not settled:
   * its lock expires and it runs again. Likewise a repeat's steps are cleared first (guarded by the lease): a
   * crash between the two runs that cycle's steps again rather than the next cycle replaying them.
   */
  private async settleAfterFollowUps(run: JobRun, jobs: NewJob[], clearSteps = false): Promise<void> {
    const flows = run.flows !== null && run.flows.length > 0;
    if ((jobs.length > 0 || flows) && !(await this.enqueueFollowUps(run, jobs))) return this.env.ended(run);
    if (clearSteps && !(await this.retrying(run, 'could not clear the steps of the finished cycle', () => this.env.clearSteps(run.job)))) return this.env.ended(run);
    this.env.settle(run);
  }

  /** A run that ends waiting in the store (ctx.sleep, ctx.waitForEvent): one guarded operation, retried a few times. */
  private async suspend(run: JobRun, s: Suspension): Promise<void> {
    let applied: boolean | undefined;
    const ok = await this.retrying(run, 'could not record the sleep or wait', async () => {
      applied = await this.env.suspend(s);
      return true;
    });
    if (!ok || applied === undefined) return this.env.ended(run);
    run.settled(applied);
  }

  /** `call` until it answers (a store error is retried a few times); false when it never did. */
  private async retrying(run: JobRun, what: string, call: () => Promise<boolean>): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await call();
        return true;
      } catch (error) {
        this.env.storeFailed(error as Error);
        if (attempt >= 4 || this.env.stopped()) {
          run.logger.error({ err: error }, `${what}: the run is not recorded, and runs again once its lock expires`);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  /** The store answered for this run's settlement (the run, as its Pending, passes it on). */
  settled(run: JobRun, applied: boolean): void {
    try {
      if (applied) this.report(run, run.decision!, run.outcome!);
      else run.logger.warn('this worker no longer holds the job (its lock expired and it was taken over): outcome dropped');
    } finally {
      this.env.ended(run);
    }
  }

  /** Settle a job that never started: cancelled, or released for another worker (attempt not counted, no history). */
  async releaseUnstarted(job: ClaimedJob, kind: 'cancelled' | 'released'): Promise<void> {
    const now = this.env.now();
    const outcome: RunOutcome = kind === 'cancelled' ? { kind: 'cancelled' } : { kind: 'released', reason: 'released before it started' };
    const decision = decide(job, outcome, UNSTARTED, now, now, this.env.workerId);
    if (kind === 'released') decision.settlement.history = null;
    // A job released unstarted ran under no policy: it must not record the placeholder's maxAttempts.
    delete decision.settlement.maxAttempts;
    await new Promise<boolean>((settled) => this.env.settle({ settlement: decision.settlement, settled }));
  }

  /**
   * The jobs this run's outcome asks for: on success, the definition's `then` (the result as data) and the
   * handler's ctx.followUp()s; on success or failure, webhook deliveries. Each gets a dedupe key from the job
   * and its due time unless it has its own, so a run repeated after a crash does not enqueue them twice while
   * the first ones are still pending.
   */
  private followUpJobs(run: JobRun, decision: Decision, outcome: RunOutcome): NewJob[] {
    const verdict = decision.verdict;
    const webhooks = this.env.webhooks;
    const success = verdict === 'success';
    if (!success && (webhooks === null || (verdict !== 'retry' && verdict !== 'final-failure'))) return NO_JOBS;
    if (success && webhooks === null && run.policy.then.length === 0 && run.followUps === null) return NO_JOBS;
    const runKey = `${run.job.id}:${run.job.dueAt}`;
    const jobs: NewJob[] = [];
    if (success) {
      const result = (outcome as { result: Json }).result;
      for (const name of run.policy.then) jobs.push(this.env.followUpJob({ name, data: result }, 'then'));
      if (run.followUps) jobs.push(...run.followUps);
      jobs.forEach((job, i) => (job.dedupeKey ??= `then:${runKey}:${i}`));
    }
    if (webhooks !== null) {
      const error = success ? null : (decision.settlement.lastError ?? null);
      const specs = webhooks.deliveriesFor(verdict, run.job.name, () => finishedView(run, decision), error, runKey, run.job.attempts);
      for (const spec of specs) jobs.push(this.env.followUpJob(spec, 'webhook'));
    }
    return jobs;
  }

  /** Insert the follow-ups, retrying a failing store a few times while this run still holds the job. */
  private async enqueueFollowUps(run: JobRun, jobs: NewJob[]): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (jobs.length > 0) await this.env.enqueue(jobs);
        // ctx.flow() sub-graphs, each one atomic operation. A crash after them and before the settle runs the
        // job again, which inserts them again: each node is then found by its once key and nothing is added.
        if (run.decision!.verdict === 'success') while (run.flows !== null && run.flows.length > 0) await this.env.enqueueFlow(run.flows.shift()!);
        return true;
      } catch (error) {
        this.env.storeFailed(error as Error);
        if (attempt >= 4 || this.env.stopped()) {
          run.logger.error({ err: error }, 'could not enqueue the follow-up jobs: the run is not recorded, and runs again once its lock expires');
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
  }

  private report(run: JobRun, decision: Decision, outcome: RunOutcome): void {
    const s = decision.settlement;
    const events = this.env.events;
    if (s.status === 'pending' && s.nextRunAt !== undefined) this.env.wakeAt(s.nextRunAt);
    const verdict = decision.verdict;
    if (verdict === 'success' || verdict === 'retry' || verdict === 'final-failure') events.ran?.(run.job.name, verdict, s.finishedAt - run.startedAt, s.finishedAt);
    switch (verdict) {
      case 'success': {
        if (!events.listens('job:success') && !events.listens('job:complete')) break;
        const job = finishedView(run, decision);
        events.emit('job:success', job);
        events.emit('job:complete', job);
        break;
      }
      case 'retry':
      case 'final-failure': {
        const error = (outcome as { error: Error }).error;
        run.logger.warn({ err: error }, decision.verdict === 'retry' ? 'job failed; will retry' : 'job failed; no attempts left');
        const job = finishedView(run, decision);
        events.emit('job:fail', { job, error });
        if (decision.verdict === 'retry') events.emit('job:retry', job);
        else events.emit('job:complete', job);
        break;
      }
      case 'cancelled':
        run.logger.info('job cancelled while running');
        break;
      case 'released':
        run.logger.info('job released for another worker: the scheduler stopped');
        break;
      case 'suspended':
        run.logger.debug({ until: s.nextRunAt }, 'job waits in the store (ctx.sleep / ctx.waitForEvent)');
        break;
    }
  }
}

/**
 * ctx.flow() nodes without their own dedupe key get one derived from the run (as follow-ups do: the job and its
 * due time), the sub-graph's index within the run and the node's key, marked `once` (rules/flow.ts): a run
 * repeated after a crash between the insert and the settle finds every node of the sub-graph again, whatever
 * it became since, instead of inserting it twice. A node's own key keeps its usual meaning.
 */
function onceKeys(run: JobRun): void {
  const runKey = `${run.job.id}:${run.job.dueAt}`;
  run.flows!.forEach((nodes, f) => {
    for (const node of nodes) {
      if (node.dedupeKey !== null) continue;
      node.dedupeKey = `flow:${runKey}:${f}:${node.flow.key}`;
      node.once = true;
    }
  });
}

/** The job as the outcome leaves it, for events and webhooks (built only when one of them wants it). */
function finishedView(run: JobRun, decision: Decision): Job {
  const started = run.view;
  const s = decision.settlement;
  const status = decision.verdict === 'cancelled' ? 'cancelled' : s.status;
  const nextRunAt = s.nextRunAt ?? run.job.nextRunAt;
  const at = new Date(s.finishedAt);
  return {
    ...started,
    status,
    nextRunAt: status === 'pending' ? new Date(nextRunAt) : null, // a finished job has no next run
    attempts: s.attempts ?? started.attempts,
    maxAttempts: s.maxAttempts ?? started.maxAttempts,
    result: s.result !== undefined ? s.result : started.result,
    lastError: s.lastError !== undefined ? s.lastError : started.lastError,
    lastErrorStack: s.lastErrorStack !== undefined ? s.lastErrorStack : started.lastErrorStack,
    lastFinishedAt: at,
    lockedBy: null,
    lockedUntil: null,
    updatedAt: at,
  };
}
