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
import { JobLostError, StoreError } from './errors.js';
import { RunFinisher } from './finish-run.js';
import { JobRun, type RunContext } from './job-run.js';
import type { RunOutcome } from './outcome.js';
import { RateLimiter } from './rate-limit.js';
import { RunSet } from './run-set.js';
import type { Definition, ResolvedRun } from './registry.js';
import { SettleBatcher, settledAll } from './settle-batcher.js';
import type { ClaimRequest, ClaimedJob, Settlement } from './store.js';
import type { JobHandler } from './types.js';
import { MAX_TIMER_MS, Wakeup } from './wakeup.js';
import { MAX_TIMER_DELAY_MS } from './time/duration.js';
import { withTimeout } from './timeout.js';
import { tracing, type Tracing } from './tracing.js';
import type { WorkerOptions } from './worker-options.js';

/** After aborting at the end of a stop, how long handlers get to actually stop before we give up on them. */
const ABORT_GRACE_MS = 5_000;
/** Names whose run policy is cached (Worker.policyOf), at most: past it the cache starts over. */
export const POLICY_CACHE_NAMES = 1024;
/**
 * The most jobs one claim asks the store for; a worker that wants more claims again at once. Its default
 * prefetch is 10 × concurrency, so a worker of 1,000 slots wanted 11,000 jobs in its first claim: one
 * PostgreSQL statement of 8,000 took ~120 µs a job and one of 32,000 ~440 (against ~35 at 500:
 * bench/core/batch-scale.ts), one Redis script held the server for as long, one SQLite transaction the event loop.
 */
export const MAX_CLAIM = 1000;

/**
 * Lease discipline: a job is acted on only while its lease holds by this process's own clock. The worker stops
 * (aborts the run as lost, or drops a job claimed ahead) this long before the lease ends unless a renewal came
 * back first: another process takes a job only after the lease ends by its clock, so the margin covers the
 * abort reaching the handler and some clock difference between machines. A tenth of the lifetime, 100 ms to 5 s.
 */
export function leaseMargin(lockLifetimeMs: number): number {
  return Math.min(5_000, Math.max(100, Math.floor(lockLifetimeMs / 10)));
}

export class Worker {
  private readonly runs = new RunSet();
  /** Runs whose handler has not returned yet (kept as a count: it is read on every dispatch and claim). */
  private active = 0;
  private state: 'stopped' | 'running' | 'stopping' = 'stopped';
  /** The stop in progress waits for running jobs (stop(graceful)). */
  private stopGraceful = true;
  private loopDone: Promise<void> = Promise.resolve();
  /** The last claim was full: there is probably more due work, so a freed slot claims again at once. */
  private moreWork = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  /** OpenTelemetry spans, when @opentelemetry/api is installed (tracing.ts); looked up at start. */
  private tracing: Tracing | null = null;
  private unsubscribe: (() => Promise<void>) | null = null;
  /** Outcomes waiting at claim time travel with the claim (Store.preferSettleAndClaim); read at start(). */
  private combined = false;
  private readonly wakeup: Wakeup;
  private readonly buffer: ClaimBuffer;
  /** The names of the last claim with a global rate (NameLimit.rate): asked about when that claim came back short. */
  private rated: ClaimRequest['limits'] = [];
  /** That claim's time (ClaimRequest.now). */
  private ratedAt = 0;
  /** Throttled names (DefineOptions.rateLimit): their starts in the window, which shape each claim. */
  private readonly limiter: RateLimiter;
  private readonly settler: SettleBatcher;
  private readonly finisher: RunFinisher;
  /** Shared by every run (see RunContext). */
  private readonly runContext: RunContext;
  /** Policies by name, for jobs that set no option of their own (policyOf). */
  private readonly policies = new Map<string, { def: Definition | undefined; fallback: JobHandler | null; maxAttempts: number | null; policy: ResolvedRun }>();
  /** Runs dispatched in this turn whose handlers are not called yet: one microtask calls them all (beginRuns). */
  private starting: JobRun[] = [];
  private readonly beginRuns = (): void => {
    const runs = this.starting;
    this.starting = [];
    for (const run of runs) void this.runToEnd(run);
  };

  constructor(private readonly o: WorkerOptions) {
    const { registry, jobs, storeHealth } = o;
    this.wakeup = new Wakeup(clockWith(o.now));
    this.buffer = new ClaimBuffer(o.limits.prefetch, o.limits.slots);
    // This process's own throttle; a global rateLimit is counted by the store (NameLimit.rate).
    this.limiter = new RateLimiter((name) => {
      const rate = registry.definitions.get(name)?.rateLimit;
      return rate?.scope === 'process' ? rate : undefined;
    });
    this.settler = new SettleBatcher({
      settle: (batch) => (this.tracing?.storeCalls ? this.tracing.storeCall('settle', batch.length, () => o.store().settle(batch)) : o.store().settle(batch)),
      logger: o.logger,
      giveUpAfterMs: Math.max(registry.lockLifetimeMs, 30_000),
      // A settle resent after a timeout is safe: the store answers "applied" to a run it already settled.
      callTimeoutMs: () => this.storeCallTimeout(),
      storeFailed: (error) => storeHealth.failed(error),
      deferToClaim: () => this.combined && this.wakeup.claimExpected,
    });
    this.runContext = {
      now: o.now,
      logger: o.logger,
      client: jobs.client,
      extras: jobs.extras,
      saveProgress: (job, progress, now) => withTimeout(o.store().saveProgress(job.id, job.lockToken, progress, now), this.storeCallTimeout(), 'saving progress'),
      followUpJob: (spec, field) => jobs.followUpJob(spec, field),
      flowJobs: (nodes, field) => jobs.flowJobs(nodes, field),
      settled: (run, applied) => this.finisher.settled(run, applied),
      view: (job) => jobs.view(job),
      tracing: null,
      store: () => o.store(),
      // ctx.step's loadSteps / saveStep and ctx.waitForEvent's findEvent: given up on like a settle (durable.ts).
      storeCallTimeout: () => this.storeCallTimeout(),
      workerId: o.workerId,
    };
    this.finisher = new RunFinisher({
      workerId: o.workerId,
      now: o.now,
      events: o.events,
      followUpJob: (spec, field) => jobs.followUpJob(spec, field),
      // Resent after a timeout like any failure: follow-ups carry dedupe keys, so a late first insert is not doubled.
      enqueue: (list) => withTimeout(jobs.enqueue(list), this.storeCallTimeout(), 'enqueuing follow-up jobs'),
      // A ctx.flow() sub-graph: resent after a timeout too (its nodes carry once keys: a late first insert is not doubled).
      enqueueFlow: (list) => withTimeout(jobs.enqueueFlow(list), this.storeCallTimeout(), 'enqueuing a sub-graph'),
      webhooks: jobs.webhooks,
      storeFailed: (error) => storeHealth.failed(error),
      settle: (pending) => this.settler.add(pending),
      ended: (run) => this.runEnded(run),
      wakeAt: (at) => this.wakeup.wakeAt(at),
      stopped: () => this.state === 'stopped',
      // Durable runs (durable.ts): given up on like a settle; a suspension resent after a lost answer answers true.
      suspend: async (s) => {
        const store = o.store();
        if (!store.suspend) throw new StoreError(`the ${store.kind} store does not support durable steps (Store.suspend)`);
        return withTimeout(store.suspend(s), this.storeCallTimeout(), 'recording a sleep or wait');
      },
      clearSteps: async (job) => {
        const store = o.store();
        return store.clearSteps ? withTimeout(store.clearSteps(job.id, job.lockToken), this.storeCallTimeout(), 'clearing steps') : true;
      },
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
    this.tracing = this.runContext.tracing = await tracing();
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
    this.armLeaseWatch();
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

  /** The jobs held ahead and in all, once the scheduler knows its store (Scheduler.holdLimits). */
  holdLimits(limits: { prefetch: number; holdLimit: number; lockLimit: number }): void {
    this.o.limits.prefetch = limits.prefetch;
    this.o.limits.holdLimit = limits.holdLimit;
    this.o.limits.lockLimit = limits.lockLimit;
    this.buffer.maxAhead = limits.prefetch;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    const { limits, storeHealth } = this.o;
    while (this.state === 'running') {
      const wanted = Math.min(this.wanted(), MAX_CLAIM);
      this.wakeup.beginPass();
      if (wanted === 0 && this.combined) this.settler.giveBack(this.settler.take()); // nothing to claim: outcomes go on their own
      if (wanted > 0) {
        try {
          const claimed = await this.claimInTime(wanted);
          if (failures > 0) storeHealth.recovered();
          failures = 0;
          if (this.state !== 'running') {
            // stop() began while this claim was on its way. The store shows these jobs running already: on a
            // graceful stop, free slots start them and stop() waits for them as for any run; the rest (all of
            // them on a forced stop) go straight back, unstarted.
            const rest = this.stopGraceful ? this.startInFreeSlots(claimed) : claimed;
            await Promise.all(rest.map((job) => this.finisher.releaseUnstarted(job, 'released')));
            break;
          }
          this.buffer.push(claimed);
          this.dispatch();
          this.moreWork = claimed.length === wanted;
          if (!this.moreWork) this.wakeWhenRateFrees();
          if (this.moreWork && this.wanted() > 0) {
            // Claim again, after letting I/O and timers in: a SQLite claim runs on this thread.
            await new Promise((resolve) => setImmediate(resolve));
            continue;
          }
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

  /**
   * A claim given up on when it does not answer before a lease would end (the lifetime less the margin): jobs it
   * brings later could not be run in time anyway. Should it still complete, its jobs are ours and never started:
   * they are released at once (their attempt not counted) instead of waiting for their leases to end.
   */
  private claimInTime(limit: number): Promise<ClaimedJob[]> {
    const pending = this.claim(limit);
    return withTimeout(pending, this.claimTimeout(), 'claiming jobs').catch((error: unknown) => {
      pending.then(
        (late) => {
          for (const job of late) void this.finisher.releaseUnstarted(job, 'released');
        },
        () => undefined, // its failure was the claim's own; the timeout already counted as one
      );
      throw error;
    });
  }

  /** How long a claim may take: until a lease it brings would be about to end (the lifetime less the margin). */
  private claimTimeout(): number {
    const lifetime = this.o.registry.shortestLifetime();
    return Math.max(50, lifetime - leaseMargin(lifetime));
  }

  /**
   * How long a heartbeat, a settle, a progress save or a durable step's store call may take: a third of the shortest lease, so a heartbeat
   * that gets no answer is tried again while the lease still holds.
   */
  private storeCallTimeout(): number {
    return Math.max(50, Math.floor(this.o.registry.shortestLifetime() / 3));
  }

  /**
   * How many jobs to claim now: enough to fill the free slots plus the jobs held ahead, within the hold limit.
   * Runs whose handler returned and whose outcome is on its way to the store still hold their jobs' locks:
   * they count against lockLimit, and once 2 × (slots + prefetch) jobs are held in all (room for a settle in
   * flight and the next one gathering) the worker claims no more until the store has recorded some outcomes.
   * Without that, a store slower to settle than to claim (PostgreSQL, settling on a connection of its own) let
   * finished runs pile up: 6,270 held beside a hold limit of 510, in memory and locked in the store, each one
   * renewed by every heartbeat.
   */
  private wanted(): number {
    const { slots, holdLimit, prefetch, lockLimit } = this.o.limits;
    const held = this.active + this.buffer.size;
    const settling = Math.max(0, this.runs.size - this.active);
    const room = Math.min(holdLimit, slots + this.buffer.ahead) - held;
    const locks = Math.min(lockLimit, 2 * (slots + prefetch)) - held - settling;
    return Math.max(0, Math.min(room, locks));
  }

  /**
   * Starts what free slots take of `jobs`, as dispatch() does but whatever the state (a graceful stop's last
   * claim); answers the rest, to be released. A job whose lease is about to end is among the rest.
   */
  private startInFreeSlots(jobs: ClaimedJob[]): ClaimedJob[] {
    const rest: ClaimedJob[] = [];
    const now = this.o.now();
    for (const job of jobs) {
      if (this.active < this.o.limits.slots && !this.leaseEnding(job, now)) this.startRun(job);
      else rest.push(job);
    }
    return rest;
  }

  /** Start buffered jobs while slots are free; never one whose lease is about to end (see leaseMargin). */
  private dispatch(): void {
    while (this.state === 'running' && this.active < this.o.limits.slots) {
      const job = this.buffer.shift();
      if (!job) return;
      if (this.leaseEnding(job, this.o.now())) continue;
      this.startRun(job);
    }
  }

  /** Whether this process must stop acting on a job: its lease ends within the margin, by our clock. */
  private leaseEnding(job: ClaimedJob, now: number): boolean {
    return job.lockedUntil !== null && now >= job.lockedUntil - leaseMargin(this.policyOf(job)?.lockLifetimeMs ?? this.o.registry.lockLifetimeMs);
  }

  /**
   * Check the leases of everything held, often enough to act within the margin: a run whose lease was not
   * renewed in time (the store is unreachable, or slow) is aborted as lost and its outcome dropped, and a job
   * claimed ahead is dropped unstarted; either way the lease then ends and another process may take the job,
   * never while this one still acts on it.
   */
  private armLeaseWatch(): void {
    const every = Math.max(20, Math.min(500, Math.floor(this.o.registry.shortestLifetime() / 20)));
    this.leaseTimer = setTimeout(() => {
      this.leaseTimer = null;
      this.enforceLeases();
      if (this.state !== 'stopped') this.armLeaseWatch();
    }, every);
    this.leaseTimer.unref?.();
  }

  private enforceLeases(): void {
    const now = this.o.now();
    for (const run of this.runs.values()) {
      // A run already aborted (cancel, timeout, stop, lost) has nothing more to stop: its signal fired once.
      if (run.handlerDone || run.reason !== null || !this.leaseEnding(run.job, now)) continue;
      run.logger.warn(
        { lockedUntil: run.job.lockedUntil },
        'lease ends before it could be renewed (is the store reachable?): stopped acting on the job, which may now run elsewhere',
      );
      run.abort('lost');
    }
    for (const job of this.buffer.all()) {
      if (this.leaseEnding(job, now)) this.buffer.remove(job.id);
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
    this.rated = shape.limits.filter((limit) => limit.rate !== undefined);
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
    this.ratedAt = request.now;
    const store = this.o.store();
    if (waiting.length === 0 || !store.settleAndClaim) return this.tracing?.storeCalls ? this.tracing.storeCall('claim', limit, () => store.claim(request)) : store.claim(request);
    // Outcomes that ended since the last claim travel with this one: one operation, one round trip.
    let result: { settled: boolean[]; claimed: ClaimedJob[] };
    const settlements = new Array<Settlement>(waiting.length);
    for (let i = 0; i < waiting.length; i++) settlements[i] = waiting[i]!.settlement;
    const call = () => store.settleAndClaim!(settlements, request);
    const answer = this.tracing?.storeCalls ? this.tracing.storeCall('claim', limit, call) : call();
    try {
      result = await withTimeout(answer, this.claimTimeout(), 'claiming jobs');
    } catch (error) {
      // Neither happened, or we cannot know: the outcomes go on their own (with retries; a settle the late call
      // did apply answers "applied" again), and jobs a late answer brings are released unstarted.
      this.settler.giveBack(waiting);
      answer.then(
        (late) => {
          for (const job of late.claimed) void this.finisher.releaseUnstarted(job, 'released');
        },
        () => undefined,
      );
      throw error;
    }
    settledAll(waiting, result.settled, this.o.logger);
    return result.claimed;
  }

  /**
   * After a claim that came back short while some name has a global rate: ask the store when the first full
   * window frees (Store.rateFreeAt) and claim then, not at the next poll, whichever process filled it. Not
   * awaited: the loop goes on meanwhile, so no other name waits for this read; a failed read is only logged
   * (the poll stays behind it).
   */
  private wakeWhenRateFrees(): void {
    const store = this.o.store();
    if (this.rated.length === 0 || !store.rateFreeAt) return;
    // At the claim's time: a window that freed since (the claim was slow) answers a time passed, a claim at once.
    store.rateFreeAt(this.rated, this.ratedAt).then(
      (at) => {
        if (at !== null) this.wakeup.wakeAt(at);
      },
      (error: unknown) => this.o.logger.debug({ err: error }, 'reading when a rate window frees failed; the next poll claims'),
    );
  }

  /**
   * registry.resolve(job), cached per name: a job that sets none of backoff and timeout itself runs under its
   * name's policy (with its stored maxAttempts), the same object for every run, instead of a new one per job.
   * A new define() (another definition object) or fallback handler makes the entry stale.
   */
  private policyOf(job: ClaimedJob): ResolvedRun | null {
    const { registry } = this.o;
    if (job.backoff !== null || job.timeoutMs !== null) return registry.resolve(job);
    const def = registry.definitions.get(job.name);
    const cached = this.policies.get(job.name);
    if (cached && cached.def === def && cached.fallback === registry.fallback && cached.maxAttempts === job.maxAttempts) return cached.policy;
    const policy = registry.resolve(job);
    if (!policy) return policy;
    // A fallback handler may meet any number of names over a process's life (one per tenant, say): the cache
    // starts over rather than growing with them.
    if (this.policies.size >= POLICY_CACHE_NAMES && !this.policies.has(job.name)) this.policies.clear();
    this.policies.set(job.name, { def, fallback: registry.fallback, maxAttempts: job.maxAttempts, policy });
    return policy;
  }

  private startRun(job: ClaimedJob): void {
    let policy = this.policyOf(job);
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
      // A copy: the cached policy of the name must keep its handler.
      const error = new JobLostError(job.name, job.id, lost, policy.maxLostRuns);
      policy = { ...policy, handler: () => Promise.reject(error) };
    }
    const run = new JobRun(job, policy, this.runContext);
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
    if (this.o.events.listens('job:start')) this.o.events.emit('job:start', run.view);
    // The handler is called from a microtask, never inside this dispatch loop; one for all the runs of a turn.
    if (this.starting.push(run) === 1) queueMicrotask(this.beginRuns);
  }

  /**
   * Wait for the handler to return (its slot is free only then), then hand its outcome to the finisher, which
   * calls runEnded() once it is recorded or dropped. Never rejects. The one promise a run costs the worker.
   */
  private async runToEnd(run: JobRun): Promise<void> {
    let outcome: RunOutcome | null = null;
    try {
      outcome = await run.execute();
    } catch (error) {
      this.o.logger.error({ err: error, jobId: run.job.id }, 'internal error while running a job');
    }
    const now = this.o.now();
    try {
      this.handlerReturned(run, now);
      if (outcome === null) return this.runEnded(run);
      if (this.state === 'stopped') {
        // A handler that ignored its abort and outlived stop(): its lease is no longer renewed and will expire,
        // and another process will run the job. Writing now could race that process.
        run.logger.warn('handler finished after the scheduler stopped: outcome dropped, the job runs again elsewhere');
        return this.runEnded(run);
      }
      this.finisher.finish(run, outcome, now);
    } catch (error) {
      this.o.logger.error({ err: error, jobId: run.job.id }, 'internal error while running a job');
      this.runEnded(run);
    }
  }

  /** The run is over: its outcome was recorded or dropped. It stops being held (heartbeats, claim counts). */
  private runEnded(run: JobRun): void {
    if (run.isOver) return;
    run.ended();
    // A lost run's job may have been claimed again here meanwhile: that newer run keeps its entry.
    if (this.runs.get(run.job.id) === run) this.runs.delete(run.job.id);
    // A settled job of a capped name frees a global slot (the store counts it as running until now).
    if (this.moreWork || run.reason !== null || this.o.registry.isCapped(run.job.name)) this.wakeup.kick();
  }

  private handlerReturned(run: JobRun, now: number): void {
    this.active--;
    this.buffer.recordDuration(now - run.startedAt);
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
    const runs = this.runs.values().filter((run) => run.reason !== 'lost');
    const buffered = this.buffer.all();
    if (runs.length === 0 && buffered.length === 0) return;
    const now = this.o.now();
    const { registry } = this.o;
    const lifetime = (job: ClaimedJob) => this.policyOf(job)?.lockLifetimeMs ?? registry.lockLifetimeMs;
    const leases = [
      ...runs.map((run) => ({ id: run.job.id, lockToken: run.job.lockToken, lockedUntil: now + run.policy.lockLifetimeMs })),
      ...buffered.map((job) => ({ id: job.id, lockToken: job.lockToken, lockedUntil: now + lifetime(job) })),
    ];
    // A renewal that does not come back within the interval is given up on (the next one is sent): a stalled
    // connection must not hold the heartbeat while leases run out (the lease watch acts on those meanwhile).
    const states = await withTimeout(this.o.store().heartbeat(leases, now), this.storeCallTimeout(), 'renewing job locks');
    states.forEach((state, i) => {
      if (i < runs.length) {
        // Renewed from when we asked: by our clock, the lease holds until then at least.
        if (state === 'ok') runs[i]!.job.lockedUntil = leases[i]!.lockedUntil;
        else runs[i]!.abort(state === 'cancelled' ? 'cancel' : 'lost');
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
    this.stopGraceful = graceful;
    this.state = 'stopping';
    this.wakeup.stop();
    await this.loopDone;
    // Outcomes held for a claim that will not come now go on their own (else the waits below would wait for them).
    this.settler.giveBack(this.settler.take());
    // Jobs claimed ahead never started: release them now so other processes take them at once.
    await Promise.all(this.buffer.takeAll().map((job) => this.finisher.releaseUnstarted(job, 'released')));
    if (this.unsubscribe) await this.unsubscribe().catch(() => undefined);
    this.unsubscribe = null;

    const { logger } = this.o;
    const pending = () => this.runs.values().filter((r) => !r.handlerDone);
    if (graceful && pending().length > 0) {
      logger.info({ running: pending().length, timeoutMs }, 'waiting for running jobs to finish');
      await waitFor(Promise.all(pending().map((r) => r.whenOver())), timeoutMs);
    }
    const left = pending();
    if (left.length > 0) {
      for (const run of left) run.abort('stop');
      await waitFor(Promise.all(left.map((r) => r.whenOver())), ABORT_GRACE_MS);
      const stuck = pending();
      if (stuck.length > 0) {
        logger.warn({ jobs: stuck.map((r) => r.job.id) }, 'some handlers ignored their abort signal; their locks are no longer renewed and will expire');
      }
    }
    await waitFor(Promise.all(this.runs.values().filter((r) => r.handlerDone).map((r) => r.whenOver())), ABORT_GRACE_MS);
    await this.settler.drain();
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = null;
    this.state = 'stopped';
    this.o.events.emit('worker:stop', this.o.workerId);
  }
}

function delay(ms: number): Promise<void> {
  // A longer timer would fire at once (stop({ timeoutMs }) would stop waiting): ~24.8 days is as long as forever here.
  return new Promise((resolve) => setTimeout(resolve, Math.min(ms, MAX_TIMER_DELAY_MS)).unref?.());
}

function waitFor(promise: Promise<unknown>, ms: number): Promise<void> {
  return Promise.race([promise.then(() => undefined), delay(ms)]);
}
