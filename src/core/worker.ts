/**
 * The worker: claims due jobs in batches (some ahead of free slots: claim-buffer.ts), starts a JobRun for each
 * (job-run.ts), renews the leases of every job it holds, hands each outcome to the RunFinisher (finish-run.ts),
 * and stops gracefully. When it claims is wakeup.ts; outcomes reach the store through the settle batcher, or
 * together with the next claim.
 *
 * A slot is a handler executing. It is taken when a run starts and freed only when the handler returns, even
 * long after a timeout, cancel or lost lease aborted it: never more handlers at once than the limits allow.
 */
import { randomUUID } from 'node:crypto';
import { ClaimBuffer } from './claim-buffer.js';
import { clockWith } from './clock.js';
import { JobLostError } from './errors.js';
import { RunFinisher } from './finish-run.js';
import { JobRun, type RunContext } from './job-run.js';
import type { RunOutcome } from './outcome.js';
import { RateLimiter } from './rate-limit.js';
import { SettleBatcher } from './settle-batcher.js';
import type { ClaimRequest, ClaimedJob } from './store.js';
import { MAX_TIMER_MS, Wakeup } from './wakeup.js';
import type { WorkerOptions } from './worker-options.js';

/** After aborting at the end of a stop, how long handlers get to actually stop before we give up on them. */
const ABORT_GRACE_MS = 5_000;

export class Worker {
  private readonly runs = new Map<string, JobRun>();
  /** Runs whose handler has not returned yet (kept as a count: it is read on every dispatch and claim). */
  private active = 0;
  private state: 'stopped' | 'running' | 'stopping' = 'stopped';
  private loopDone: Promise<void> = Promise.resolve();
  /** The last claim was full: there is probably more due work, so a freed slot claims again at once. */
  private moreWork = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  /** Outcomes waiting at claim time travel with the claim (Store.preferSettleAndClaim); read at start(). */
  private combined = false;
  private readonly wakeup: Wakeup;
  private readonly buffer: ClaimBuffer;
  /** Throttled names (DefineOptions.rateLimit): their starts in the window, which shape each claim. */
  private readonly limiter: RateLimiter;
  private readonly settler: SettleBatcher;
  private readonly finisher: RunFinisher;
  /** Shared by every run (see RunContext). */
  private readonly runContext: RunContext;

  constructor(private readonly o: WorkerOptions) {
    const { registry, jobs, storeHealth } = o;
    this.wakeup = new Wakeup(clockWith(o.now));
    this.buffer = new ClaimBuffer(o.limits.prefetch, o.limits.slots);
    this.limiter = new RateLimiter((name) => registry.definitions.get(name)?.rateLimit);
    this.settler = new SettleBatcher({
      settle: (batch) => o.store().settle(batch),
      logger: o.logger,
      giveUpAfterMs: Math.max(registry.lockLifetimeMs, 30_000),
      storeFailed: (error) => storeHealth.failed(error),
      deferToClaim: () => this.combined && this.wakeup.claimExpected,
    });
    this.runContext = {
      now: o.now,
      logger: o.logger,
      client: jobs.client,
      extras: jobs.extras,
      saveProgress: (job, progress, now) => o.store().saveProgress(job.id, job.lockToken, progress, now),
      followUpJob: (spec, field) => jobs.followUpJob(spec, field),
    };
    this.finisher = new RunFinisher({
      workerId: o.workerId,
      now: o.now,
      events: o.events,
      followUpJob: (spec, field) => jobs.followUpJob(spec, field),
      enqueue: (list) => jobs.enqueue(list),
      webhooks: jobs.webhooks,
      storeFailed: (error) => storeHealth.failed(error),
      settle: (settlement) => this.settler.submit(settlement),
      wakeAt: (at) => this.wakeup.wakeAt(at),
      stopped: () => this.state === 'stopped',
    });
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Jobs whose handlers run in this process now (overdue ones included: they hold their slots). */
  get activeCount(): number {
    return this.active;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.state = 'running';
    const store = this.o.store();
    this.combined = store.preferSettleAndClaim === true && typeof store.settleAndClaim === 'function';
    this.wakeup.start();
    if (store.subscribe) {
      try {
        this.unsubscribe = await store.subscribe(() => this.wakeup.kick());
      } catch (error) {
        this.o.logger.warn({ err: error }, 'store wake-ups unavailable; relying on polling');
      }
    }
    this.loopDone = this.loop();
    this.armHeartbeat();
    this.o.events.emit('worker:start', this.o.workerId);
  }

  /** Claim soon: there may be due work. */
  kick(): void {
    this.wakeup.kick();
  }

  /** A job becomes due at `at` (this process scheduled it): claim then, not a poll interval later. */
  wakeAt(at: number): void {
    this.wakeup.wakeAt(at);
  }

  /** Abort a job of this process that was cancelled or deleted (its store row already says so). */
  abortLocal(id: string, reason: 'cancel' | 'lost'): boolean {
    const buffered = this.buffer.remove(id);
    if (buffered) {
      // Never started: a cancelled one is settled as cancelled at once; a deleted one is simply dropped.
      if (reason === 'cancel') void this.finisher.releaseUnstarted(buffered, 'cancelled');
      return true;
    }
    const run = this.runs.get(id);
    if (!run || run.handlerDone) return false;
    run.abort(reason);
    return true;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    const { limits, storeHealth } = this.o;
    while (this.state === 'running') {
      const wanted = this.wanted();
      this.wakeup.beginPass();
      if (wanted === 0 && this.combined) this.settler.giveBack(this.settler.take()); // nothing to claim: outcomes go on their own
      if (wanted > 0) {
        try {
          const claimed = await this.claim(wanted);
          if (failures > 0) storeHealth.recovered();
          failures = 0;
          if (this.state !== 'running') {
            // stop() began while this claim was on its way: give the jobs straight back.
            await Promise.all(claimed.map((job) => this.finisher.releaseUnstarted(job, 'released')));
            break;
          }
          this.buffer.push(claimed);
          this.dispatch();
          this.moreWork = claimed.length === wanted;
          if (this.moreWork && this.wanted() > 0) continue;
        } catch (error) {
          failures++;
          storeHealth.failed(error as Error);
          this.o.logger.error({ err: error }, 'claiming jobs failed; retrying');
          await this.wakeup.sleep(Math.min(MAX_TIMER_MS, limits.pollIntervalMs, 100 * 2 ** failures));
          continue;
        }
      }
      await this.wakeup.sleep(Math.min(limits.pollIntervalMs, MAX_TIMER_MS));
      // Let every run that ends in this turn free its slot first, so one claim fills them all.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** How many jobs to claim now: enough to fill the free slots plus the jobs held ahead, within the hold limit. */
  private wanted(): number {
    const held = this.active + this.buffer.size;
    const { slots, holdLimit } = this.o.limits;
    return Math.max(0, Math.min(holdLimit, slots + this.buffer.ahead) - held);
  }

  /** Start buffered jobs while slots are free. */
  private dispatch(): void {
    while (this.state === 'running' && this.active < this.o.limits.slots) {
      const job = this.buffer.shift();
      if (!job) return;
      this.startRun(job);
    }
  }

  private async claim(limit: number): Promise<ClaimedJob[]> {
    const { registry } = this.o;
    const runningHere = new Map<string, number>();
    let uncounted: Map<string, number> | undefined;
    for (const run of this.runs.values()) {
      if (run.handlerDone) continue;
      const name = run.job.name;
      runningHere.set(name, (runningHere.get(name) ?? 0) + 1);
      // Its store row is cancelled or gone, so the store's count of running jobs misses it: see claimShape.
      if (run.reason === 'cancel' || run.reason === 'lost') (uncounted ??= new Map()).set(name, (uncounted.get(name) ?? 0) + 1);
    }
    this.buffer.countByName(runningHere);
    const shape = registry.claimShape(runningHere, uncounted);
    const throttledUntil = this.limiter.limitClaim(registry.definitions.keys(), shape.limits, this.buffer.all(), this.o.now());
    if (throttledUntil !== null) this.wakeup.wakeAt(throttledUntil);
    // Outcomes are held back for the claim only when the store combines the two; take them then.
    const waiting = this.combined ? this.settler.take() : [];
    if (shape.names !== null && shape.names.length === 0) {
      this.settler.giveBack(waiting);
      return [];
    }
    const request: ClaimRequest = {
      now: this.o.now(),
      workerId: this.o.workerId,
      lockToken: randomUUID(),
      limit,
      names: shape.names,
      limits: shape.limits,
      lockLifetimeMs: registry.lockLifetimeMs,
      lockLifetimes: shape.lockLifetimes,
    };
    const store = this.o.store();
    if (waiting.length === 0 || !store.settleAndClaim) return store.claim(request);
    // Outcomes that ended since the last claim travel with this one: one operation, one round trip.
    try {
      const { settled, claimed } = await store.settleAndClaim(waiting.map((p) => p.settlement), request);
      waiting.forEach((p, i) => p.resolve(settled[i] === true));
      return claimed;
    } catch (error) {
      this.settler.giveBack(waiting); // neither happened: settle them on their own (with retries)
      throw error;
    }
  }

  private startRun(job: ClaimedJob): void {
    const { registry } = this.o;
    let policy = registry.resolve(job);
    if (!policy) {
      // Claimed a name this process cannot run (its definition went away): give it back untouched.
      void this.finisher.releaseUnstarted(job, 'released');
      return;
    }
    // Attempts count every claim, and only a lost run (lock expired) ends without settling its attempt, so
    // the claims beyond maxAttempts are the lost ones. Past the allowance the job fails instead of running
    // again: through the normal failure path, so history, events and repeats behave as for any final failure.
    const lost = job.attempts - policy.maxAttempts;
    if (lost > policy.maxLostRuns) {
      const error = new JobLostError(job.name, job.id, lost, policy.maxLostRuns);
      policy = { ...policy, handler: () => Promise.reject(error) };
    }
    const run = new JobRun(job, policy, this.o.jobs.view(job), this.runContext);
    this.runs.set(job.id, run);
    this.active++;
    if (policy.rateLimited) {
      // The claim counted this job as claimed ahead; now it counts in the window. Claim again when the window
      // has room (at once if it still has), or waiting jobs of this name would wait for the next poll.
      const now = this.o.now();
      this.limiter.record(job.name, now);
      const free = this.limiter.nextFree(job.name, now);
      if (free === null) this.wakeup.kick();
      else this.wakeup.wakeAt(free);
    }
    this.o.events.emit('job:start', run.view);
    run.done = this.runToEnd(run);
  }

  /** Wait for the handler to return (its slot is free only then), then record its outcome. Never rejects. */
  private async runToEnd(run: JobRun): Promise<void> {
    try {
      let outcome: RunOutcome | null;
      try {
        outcome = await run.execute();
      } finally {
        this.handlerReturned(run);
      }
      if (outcome === null) return;
      if (this.state === 'stopped') {
        // A handler that ignored its abort and outlived stop(): its lease is no longer renewed and will expire,
        // and another process will run the job. Writing now could race that process.
        run.logger.warn('handler finished after the scheduler stopped: outcome dropped, the job runs again elsewhere');
        return;
      }
      await this.finisher.finish(run, outcome);
    } catch (error) {
      this.o.logger.error({ err: error, jobId: run.job.id }, 'internal error while running a job');
    } finally {
      this.runs.delete(run.job.id);
      // A settled job of a capped name frees a global slot (the store counts it as running until now).
      if (this.moreWork || run.reason !== null || this.o.registry.isCapped(run.job.name)) this.wakeup.kick();
    }
  }

  private handlerReturned(run: JobRun): void {
    this.active--;
    this.buffer.recordDuration(this.o.now() - run.startedAt);
    // The slot is free: start a job claimed ahead, and claim the next batch while this outcome is being
    // settled, so the claim's and the settle's round trips overlap instead of following each other.
    this.dispatch();
    if (this.moreWork) this.wakeup.kick();
  }

  private armHeartbeat(): void {
    const interval = Math.max(50, Math.min(MAX_TIMER_MS, Math.floor(this.o.registry.shortestLifetime() / 3)));
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat()
        .catch((error) => {
          this.o.storeHealth.failed(error as Error);
          this.o.logger.warn({ err: error }, 'renewing job locks failed; retrying');
        })
        .finally(() => {
          if (this.state !== 'stopped') this.armHeartbeat();
        });
    }, interval);
    this.heartbeatTimer.unref?.();
  }

  /**
   * Renew the lease of every job held: running (overdue ones too, until their handler returns), settling, and
   * claimed ahead. A lost run is left out: its lease is gone, only its handler is still waited for.
   */
  private async heartbeat(): Promise<void> {
    const runs = [...this.runs.values()].filter((run) => run.reason !== 'lost');
    const buffered = [...this.buffer.all()];
    if (runs.length === 0 && buffered.length === 0) return;
    const now = this.o.now();
    const { registry } = this.o;
    const lifetime = (job: ClaimedJob) => registry.resolve(job)?.lockLifetimeMs ?? registry.lockLifetimeMs;
    const leases = [
      ...runs.map((run) => ({ id: run.job.id, lockToken: run.job.lockToken, lockedUntil: now + run.policy.lockLifetimeMs })),
      ...buffered.map((job) => ({ id: job.id, lockToken: job.lockToken, lockedUntil: now + lifetime(job) })),
    ];
    const states = await this.o.store().heartbeat(leases, now);
    states.forEach((state, i) => {
      if (i < runs.length) {
        if (state !== 'ok') runs[i]!.abort(state === 'cancelled' ? 'cancel' : 'lost');
        return;
      }
      const job = buffered[i - runs.length]!;
      if (state === 'ok') job.lockedUntil = leases[i]!.lockedUntil;
      else if (this.buffer.remove(job.id) && state === 'cancelled') void this.finisher.releaseUnstarted(job, 'cancelled');
    });
  }

  /**
   * Stop claiming; wait for running jobs (graceful) up to timeoutMs while their leases are still renewed;
   * then abort what still runs and release each job once its handler has stopped. A handler that ignores its
   * signal is left running with its lease no longer renewed: only when its lock expires can another process
   * take the job.
   */
  async stop(graceful: boolean, timeoutMs: number): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopping';
    this.wakeup.stop();
    await this.loopDone;
    // Jobs claimed ahead never started: release them now so other processes take them at once.
    await Promise.all(this.buffer.takeAll().map((job) => this.finisher.releaseUnstarted(job, 'released')));
    if (this.unsubscribe) await this.unsubscribe().catch(() => undefined);
    this.unsubscribe = null;

    const { logger } = this.o;
    const pending = () => [...this.runs.values()].filter((r) => !r.handlerDone);
    if (graceful && pending().length > 0) {
      logger.info({ running: pending().length, timeoutMs }, 'waiting for running jobs to finish');
      await waitFor(Promise.all(pending().map((r) => r.done)), timeoutMs);
    }
    const left = pending();
    if (left.length > 0) {
      for (const run of left) run.abort('stop');
      await waitFor(Promise.all(left.map((r) => r.done)), ABORT_GRACE_MS);
      const stuck = pending();
      if (stuck.length > 0) {
        logger.warn({ jobs: stuck.map((r) => r.job.id) }, 'some handlers ignored their abort signal; their locks are no longer renewed and will expire');
      }
    }
    await waitFor(Promise.all([...this.runs.values()].filter((r) => r.handlerDone).map((r) => r.done)), ABORT_GRACE_MS);
    await this.settler.drain();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.state = 'stopped';
    this.o.events.emit('worker:stop', this.o.workerId);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

function waitFor(promise: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([promise.then(() => undefined), delay(ms)]);
}
