/**
 * The worker: claims due jobs in batches (some ahead of free slots: claim-buffer.ts), starts a JobRun for each
 * (job-run.ts), renews their leases, and stops gracefully. Outcomes reach the store through the settle batcher,
 * or together with the next claim.
 *
 * Wake-ups: the loop claims whenever it has free slots and there may be work: after a full batch, when this
 * process enqueues due work, when the store hints that another process did (subscribe), when a timer for a
 * known due time fires, and, as the fallback, every pollInterval. No timer is longer than 30 s, so a suspended
 * machine catches up soon after it wakes.
 */
import { randomUUID } from 'node:crypto';
import { ClaimBuffer } from './claim-buffer.js';
import { RateLimiter } from './rate-limit.js';
import { JobLostError } from './errors.js';
import { JobRun } from './job-run.js';
import type { Logger } from './logger.js';
import { decide, type RunOutcome } from './outcome.js';
import type { Registry } from './registry.js';
import { SettleBatcher } from './settle-batcher.js';
import type { ClaimRequest, ClaimedJob, NewJob, Store } from './store.js';
import type { HandlerContext, Job, ScheduleSpec, SchedulerEvents } from './types.js';
import type { Webhooks } from './webhooks.js';

const MAX_TIMER_MS = 30_000;
/** After aborting at the end of a stop, how long handlers get to actually stop before we give up on them. */
const ABORT_GRACE_MS = 5_000;

export interface WorkerHost {
  store: Store;
  registry: Registry;
  logger: Logger;
  workerId: string;
  /** Handlers running at once. */
  slots: number;
  /** Most jobs held locked at once: running plus claimed ahead (lockLimit). */
  holdLimit: number;
  /** Most jobs claimed ahead of a free slot, used only while jobs are short (see ClaimBuffer). */
  prefetch: number;
  pollIntervalMs: number;
  now(): number;
  publicJob(record: ClaimedJob | import('./store.js').JobRecord): Job;
  extraContext: Record<string, unknown>;
  scheduler: HandlerContext['scheduler'];
  emit<E extends keyof SchedulerEvents>(event: E, ...args: SchedulerEvents[E]): void;
  /** Whether anyone listens to this event (an event nobody hears is not worth building). */
  listens(event: keyof SchedulerEvents): boolean;
  reportStoreError(error: Error): void;
  storeRecovered(): void;
  /** A follow-up's spec as a job to insert (validated; throws ValidationError). */
  followUpJob(spec: ScheduleSpec, field: string): NewJob;
  /** Insert follow-up jobs (those of runs ending together share one store operation: insert-batcher.ts). */
  enqueue(jobs: NewJob[]): Promise<void>;
  /** Webhook deliveries to enqueue after runs; null without the webhooks option. */
  webhooks: Webhooks | null;
}

export class Worker {
  private readonly runs = new Map<string, JobRun>();
  /** Runs whose handler has not returned yet (kept as a count: it is read on every dispatch and claim). */
  private active = 0;
  private state: 'stopped' | 'running' | 'stopping' = 'stopped';
  private loopDone: Promise<void> = Promise.resolve();
  private woken = false;
  private wake: (() => void) | null = null;
  private moreWork = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private dueTimer: NodeJS.Timeout | null = null;
  private dueAt = Infinity;
  private readonly settler: SettleBatcher;
  private unsubscribe: (() => Promise<void>) | null = null;
  private readonly buffer: ClaimBuffer;
  /** Throttled names (DefineOptions.rateLimit): their starts in the window, which shape each claim. */
  private readonly limiter: RateLimiter;
  /** Set by kick() while running: a claim is coming, so outcomes may wait to travel with it. */
  private claimSoon = false;

  constructor(private readonly host: WorkerHost) {
    this.buffer = new ClaimBuffer(host.prefetch, host.slots);
    this.limiter = new RateLimiter((name) => host.registry.definitions.get(name)?.rateLimit);
    this.settler = new SettleBatcher(
      () => host.store,
      host.logger,
      () => Math.max(host.registry.lockLifetimeMs, 30_000),
      (error) => host.reportStoreError(error),
      () => this.claimSoon && this.state === 'running' && this.combines(),
    );
  }

  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Jobs whose handlers run in this process now. */
  get activeCount(): number {
    return this.active;
  }

  async start(): Promise<void> {
    if (this.state !== 'stopped') return;
    this.state = 'running';
    if (this.host.store.subscribe) {
      try {
        this.unsubscribe = await this.host.store.subscribe(() => this.kick());
      } catch (error) {
        this.host.logger.warn({ err: error }, 'store wake-ups unavailable; relying on polling');
      }
    }
    this.loopDone = this.loop();
    this.armHeartbeat();
    this.host.emit('worker:start', this.host.workerId);
  }

  /** Claim soon: there may be due work. */
  kick(): void {
    if (this.state === 'running') this.claimSoon = true;
    this.woken = true;
    this.wake?.();
  }

  /** A job becomes due at `at` (this process scheduled it): claim then, not a poll interval later. */
  wakeAt(at: number): void {
    if (this.state !== 'running') return;
    const delay = at - this.host.now();
    if (delay <= 0) return this.kick();
    if (at >= this.dueAt) return;
    this.dueAt = at;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueTimer = setTimeout(() => {
      this.dueTimer = null;
      const target = this.dueAt;
      this.dueAt = Infinity;
      if (this.host.now() >= target) this.kick();
      else this.wakeAt(target); // capped timer fired early: re-arm
    }, Math.min(delay + 1, MAX_TIMER_MS));
    this.dueTimer.unref?.();
  }

  /** Abort a job of this process that was cancelled (its store row is already cancelled). */
  abortLocal(id: string, reason: 'cancel' | 'lost'): boolean {
    const buffered = this.buffer.remove(id);
    if (buffered) {
      // Never started: a cancelled one is settled as cancelled at once; a deleted one is simply dropped.
      if (reason === 'cancel') void this.settleUnstarted(buffered, 'cancelled');
      return true;
    }
    const run = this.runs.get(id);
    if (!run || run.handlerDone) return false;
    run.abort(reason);
    return true;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.state === 'running') {
      const wanted = this.wanted();
      this.claimSoon = false;
      if (wanted === 0 && this.combines()) this.settler.giveBack(this.settler.take()); // nothing to claim: outcomes go on their own
      if (wanted > 0) {
        try {
          const claimed = await this.claim(wanted);
          if (failures > 0) this.host.storeRecovered();
          failures = 0;
          if (this.state !== 'running') {
            // stop() began while this claim was on its way: give the jobs straight back.
            await Promise.all(claimed.map((job) => this.settleUnstarted(job, 'released')));
            break;
          }
          this.buffer.push(claimed);
          this.dispatch();
          this.moreWork = claimed.length === wanted;
          if (this.moreWork && this.wanted() > 0) continue;
        } catch (error) {
          failures++;
          this.host.reportStoreError(error as Error);
          this.host.logger.error({ err: error }, 'claiming jobs failed; retrying');
          await this.sleep(Math.min(MAX_TIMER_MS, this.host.pollIntervalMs, 100 * 2 ** failures));
          continue;
        }
      }
      await this.sleep(Math.min(this.host.pollIntervalMs, MAX_TIMER_MS));
      // Let every run that ends in this turn free its slot first, so one claim fills them all.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** How many jobs to claim now: enough to fill the free slots plus the jobs held ahead, within the hold limit. */
  private wanted(): number {
    const held = this.activeCount + this.buffer.size;
    return Math.max(0, Math.min(this.host.holdLimit, this.host.slots + this.buffer.ahead) - held);
  }

  /** Outcomes waiting at claim time travel with the claim (see Store.preferSettleAndClaim). */
  private combines(): boolean {
    const store = this.host.store;
    return store.preferSettleAndClaim === true && typeof store.settleAndClaim === 'function';
  }

  /** Start buffered jobs while slots are free. */
  private dispatch(): void {
    while (this.state === 'running' && this.activeCount < this.host.slots) {
      const job = this.buffer.shift();
      if (!job) return;
      this.startRun(job);
    }
  }

  /** Settle a job that never started: cancelled, or released for another worker (attempt not counted). */
  private async settleUnstarted(job: ClaimedJob, kind: 'cancelled' | 'released'): Promise<void> {
    const now = this.host.now();
    const outcome: RunOutcome = kind === 'cancelled' ? { kind: 'cancelled' } : { kind: 'released', reason: 'released before it started' };
    const decision = decide(job, outcome, { maxAttempts: 1, backoff: { type: 'fixed', delay: 0 }, saveResult: false }, now, now, this.host.workerId);
    if (kind === 'released') decision.settlement.history = null;
    await this.settler.submit(decision.settlement);
  }

  private async claim(free: number): Promise<ClaimedJob[]> {
    const runningHere = new Map<string, number>();
    for (const run of this.runs.values()) if (!run.handlerDone) runningHere.set(run.job.name, (runningHere.get(run.job.name) ?? 0) + 1);
    this.buffer.countByName(runningHere);
    const shape = this.host.registry.claimShape(runningHere);
    this.throttle(shape.limits);
    // Outcomes are held back for the claim only when the store combines the two (combines()); take them then.
    const waiting = this.combines() ? this.settler.take() : [];
    if (shape.names !== null && shape.names.length === 0) {
      this.settler.giveBack(waiting);
      return [];
    }
    const request: ClaimRequest = {
      now: this.host.now(),
      workerId: this.host.workerId,
      lockToken: randomUUID(),
      limit: free,
      names: shape.names,
      limits: shape.limits,
      lockLifetimeMs: this.host.registry.lockLifetimeMs,
      lockLifetimes: shape.lockLifetimes,
    };
    const store = this.host.store;
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

  /**
   * A throttled name is claimed only as often as it may start now, less what is already claimed ahead; one
   * with no room wakes the worker when its oldest start leaves the window.
   */
  private throttle(limits: ClaimRequest['limits']): void {
    const now = this.host.now();
    for (const [name, def] of this.host.registry.definitions) {
      if (!def.rateLimit) continue;
      let buffered = 0;
      for (const job of this.buffer.all()) if (job.name === name) buffered++;
      const room = Math.max(0, this.limiter.room(name, now) - buffered);
      let limit = limits.find((l) => l.name === name);
      if (!limit) limits.push((limit = { name }));
      limit.localFree = Math.min(limit.localFree ?? Infinity, room);
      if (room === 0) {
        const free = this.limiter.nextFree(name, now);
        if (free !== null) this.wakeAt(free);
      }
    }
  }

  /** Wait for a kick or the timeout, whichever comes first. */
  private sleep(ms: number): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        this.woken = false;
        done();
      };
    });
  }

  private startRun(job: ClaimedJob): void {
    let policy = this.host.registry.resolve(job);
    if (!policy) {
      // Claimed a name this process cannot run (its definition went away): give it back untouched.
      void this.settleUnstarted(job, 'released');
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
    const run = new JobRun(job, policy, {
      host: this.host,
      settle: (settlement) => this.settler.submit(settlement),
      wakeAt: (at) => this.wakeAt(at),
      handlerDone: (finished) => {
        this.active--;
        this.buffer.recordDuration(this.host.now() - finished.startedAt);
        // The slot is free: start a job claimed ahead, and claim the next batch while this outcome is being
        // settled, so the claim's and the settle's round trips overlap instead of following each other.
        this.dispatch();
        if (this.moreWork) this.kick();
      },
      stopped: () => this.state === 'stopped',
    });
    this.runs.set(job.id, run);
    this.active++;
    if (policy.rateLimited) {
      // The claim counted this job as claimed ahead; now it counts in the window. Claim again when the window
      // has room (at once if it still has), or waiting jobs of this name would wait for the next poll.
      const now = this.host.now();
      this.limiter.record(job.name, now);
      const free = this.limiter.nextFree(job.name, now);
      if (free === null) this.kick();
      else this.wakeAt(free);
    }
    run.done = run
      .execute()
      .catch((error) => this.host.logger.error({ err: error, jobId: job.id }, 'internal error while running a job'))
      .finally(() => {
        this.runs.delete(job.id);
        // A settled job of a capped name frees a global slot (the store counts it as running until now).
        if (this.moreWork || run.reason !== null || this.host.registry.isCapped(job.name)) this.kick();
      });
  }

  private armHeartbeat(): void {
    const interval = Math.max(50, Math.min(MAX_TIMER_MS, Math.floor(this.host.registry.shortestLifetime() / 3)));
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeat()
        .catch((error) => {
          this.host.reportStoreError(error as Error);
          this.host.logger.warn({ err: error }, 'renewing job locks failed; retrying');
        })
        .finally(() => {
          if (this.state !== 'stopped') this.armHeartbeat();
        });
    }, interval);
    this.heartbeatTimer.unref?.();
  }

  private async heartbeat(): Promise<void> {
    const runs = [...this.runs.values()];
    const buffered = [...this.buffer.all()];
    if (runs.length === 0 && buffered.length === 0) return;
    const now = this.host.now();
    const lifetime = (job: ClaimedJob) => this.host.registry.resolve(job)?.lockLifetimeMs ?? this.host.registry.lockLifetimeMs;
    const leases = [
      ...runs.map((run) => ({ id: run.job.id, lockToken: run.job.lockToken, lockedUntil: now + run.policy.lockLifetimeMs })),
      ...buffered.map((job) => ({ id: job.id, lockToken: job.lockToken, lockedUntil: now + lifetime(job) })),
    ];
    const states = await this.host.store.heartbeat(leases, now);
    states.forEach((state, i) => {
      if (i >= runs.length) {
        const job = buffered[i - runs.length]!;
        if (state === 'ok') job.lockedUntil = leases[i]!.lockedUntil;
        else if (this.buffer.remove(job.id) && state === 'cancelled') void this.settleUnstarted(job, 'cancelled');
        return;
      }
      const run = runs[i]!;
      if (state === 'ok') run.lockedUntil = leases[i]!.lockedUntil;
      else if (state === 'cancelled') run.abort('cancel');
      else if (!run.handlerDone) run.abort('lost');
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
    this.kick();
    if (this.dueTimer) clearTimeout(this.dueTimer);
    await this.loopDone;
    // Jobs claimed ahead never started: release them now so other processes take them at once.
    await Promise.all(this.buffer.takeAll().map((job) => this.settleUnstarted(job, 'released')));
    if (this.unsubscribe) await this.unsubscribe().catch(() => undefined);
    this.unsubscribe = null;

    const pending = () => [...this.runs.values()].filter((r) => !r.handlerDone);
    if (graceful && pending().length > 0) {
      this.host.logger.info({ running: pending().length, timeoutMs }, 'waiting for running jobs to finish');
      await waitFor(Promise.all(pending().map((r) => r.done)), timeoutMs);
    }
    const left = pending();
    if (left.length > 0) {
      for (const run of left) run.abort('stop');
      await waitFor(Promise.all(left.map((r) => r.done)), ABORT_GRACE_MS);
      const stuck = pending();
      if (stuck.length > 0) {
        this.host.logger.warn(
          { jobs: stuck.map((r) => r.job.id) },
          'some handlers ignored their abort signal; their locks are no longer renewed and will expire',
        );
      }
    }
    await Promise.race([Promise.all([...this.runs.values()].filter((r) => r.handlerDone).map((r) => r.done)), delay(ABORT_GRACE_MS)]);
    await this.settler.drain();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.state = 'stopped';
    this.host.emit('worker:stop', this.host.workerId);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref?.());
}

function waitFor(promise: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([promise.then(() => undefined), delay(ms)]);
}
