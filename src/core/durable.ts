/**
 * Durable runs: ctx.step, ctx.sleep, ctx.sleepUntil and ctx.waitForEvent of one run (docs/durable-steps.md).
 *
 * Every run of a job starts its handler from the top. The job's stored entries (StepRecord, rules/steps.ts) are
 * loaded on the first durable call of the run (one read; a job that never calls one costs nothing), and:
 *   - a step already done returns its stored result without running; a new one runs, and its result is stored
 *     (Store.saveStep, guarded by the run's lock token) before the step returns. If the lease was lost the
 *     result is not stored and the run stops, as a lost lease stops it anywhere (LeaseLostError);
 *   - a sleep or a wait that cannot return yet ends the run: it records what the run waits for and throws
 *     SUSPEND, a private sentinel. However the handler ends after that (it should let the sentinel through;
 *     a handler that catches it and goes on is still suspended when it returns, its result ignored), the
 *     worker settles the run as a suspension (Store.suspend): pending, due at the wake time or the timeout,
 *     attempts restored, no slot and no lease held meanwhile.
 * Each store call (loadSteps, saveStep, findEvent) is given up on after the worker's store-call timeout (a third
 * of the shortest lease) with a StoreError, so a stalled network never holds ctx.step past the lease. A save that
 * failed or timed out may still land: the run cannot go on as if it were stored; every later durable call
 * throws that error again and the run fails whatever the handler returns (its job is retried).
 * Sleeps and waits get implicit keys by call order within the run (`sleep:1`, `wait:1`, ...), so a handler must
 * reach them in the same order on every run, as it must its steps (give steps stable ids).
 */
import { DuplicateStepError, StoreError, ValidationError } from './errors.js';
import type { ClaimedJob, StepRecord, Store } from './store.js';
import { parsePositiveDuration } from './time/duration.js';
import { withTimeout } from './timeout.js';
import type { Duration, Json } from './types.js';
import { assertStorableText, toJsonValue } from './validate.js';

/** What a durable run needs from its JobRun. */
export interface DurableHost {
  readonly job: ClaimedJob;
  now(): number;
  store(): Store;
  workerId: string;
  /** Throws the abort's error if the run was aborted (a lost lease, a cancel): no more work starts then. */
  throwIfAborted(): void;
  /** The store refused a guarded write: the lease is lost. Aborts the run and returns the error to throw. */
  leaseLost(): Error;
  /**
   * How long a store call of a durable run may take (ms): the worker's store-call timeout, a third of the
   * shortest lease, as for settles and ctx.progress. Undefined: no limit (a run made outside a worker).
   */
  callTimeoutMs?(): number;
}

/** Thrown by ctx.sleep and ctx.waitForEvent to end the run; recognised by identity, never exported. */
export class Suspend extends Error {
  constructor() {
    super('the run waits in the store (ctx.sleep / ctx.waitForEvent): let this error through, the job runs again when it is due');
    this.name = 'HourglassSuspend';
  }
}

/** What ended the run: the entry to store and when the job is due again. */
export interface SuspendRequest {
  step: StepRecord;
  until: number;
}

export interface WaitOptions {
  /** Top-level fields the payload must have, each equal to this value (a string, number, boolean or null). */
  match?: Record<string, string | number | boolean | null>;
  /** How long to wait: ms or a duration text ('7 days'). On timeout the wait returns null. */
  timeout: Duration;
}

const MAX_STEP_ID = 200;

export class DurableRun {
  private entries: Map<string, StepRecord> | null = null;
  private loading: Promise<Map<string, StepRecord>> | null = null;
  private readonly seen = new Set<string>();
  private sleeps = 0;
  private waits = 0;
  /** The job has entries (loaded or saved): its repeat's next cycle must start without them. */
  used = false;
  /** Set when the run ends by waiting; the worker then settles it as a suspension. */
  suspended: SuspendRequest | null = null;
  /**
   * Set when a saveStep failed or timed out: whether the entry is stored is unknown (a call given up on may
   * still land), so every later durable call of this run throws it again. The handler cannot go on as if the
   * step were saved; the run fails (job-run.ts, whatever the handler returns) and the job is retried,
   * replaying whatever was stored.
   */
  private broken: Error | null = null;

  /** The error of a step save that failed or timed out in this run, if one did. */
  get unsaved(): Error | null {
    return this.broken;
  }

  constructor(private readonly host: DurableHost) {}

  async step<T>(id: string, fn: () => T | Promise<T>): Promise<T> {
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_STEP_ID) {
      throw new ValidationError('step id', id, `must be a non-empty string of at most ${MAX_STEP_ID} characters`);
    }
    assertStorableText(id, 'step id');
    if (typeof fn !== 'function') throw new ValidationError('step fn', fn, 'must be a function');
    this.refuseAfterSuspend();
    const key = `step:${id}`;
    if (this.seen.has(key)) throw new DuplicateStepError(this.host.job.name, this.host.job.id, id);
    this.seen.add(key);
    const entries = await this.load();
    const done = entries.get(key);
    if (done !== undefined && done.state === 'done') return replay(done) as T;
    this.host.throwIfAborted();
    const value = await fn();
    const step = this.entry(key, 'step');
    if (value !== undefined) step.result = toJsonValue(value).value;
    await this.save(step);
    return replay(step) as T;
  }

  async sleep(duration: Duration): Promise<void> {
    const ms = parsePositiveDuration(duration, 'sleep duration');
    return this.sleepUntil(this.host.now() + ms);
  }

  async sleepUntil(at: Date | number | string): Promise<void> {
    const until = wakeTime(at);
    this.refuseAfterSuspend();
    const key = `sleep:${++this.sleeps}`;
    const entries = await this.load();
    // Stored: this sleep ended the run before (it elapsed, or trigger() ran the job early: a trigger skips it).
    if (entries.has(key)) return;
    const now = this.host.now();
    if (until <= now) return;
    this.host.throwIfAborted();
    const step = this.entry(key, 'sleep');
    step.until = until;
    this.suspended = { step, until };
    throw new Suspend();
  }

  async waitForEvent(name: string, options: WaitOptions): Promise<Json | null> {
    if (typeof name !== 'string' || name.length === 0) throw new ValidationError('event name', name, 'must be a non-empty string');
    assertStorableText(name, 'event name');
    if (options === null || typeof options !== 'object') throw new ValidationError('waitForEvent options', options, 'must be an object with a timeout');
    const match = validMatch(options.match);
    const timeoutMs = parsePositiveDuration(options.timeout, 'timeout');
    this.refuseAfterSuspend();
    const key = `wait:${++this.waits}`;
    const entries = await this.load();
    const stored = entries.get(key);
    if (stored !== undefined && stored.state === 'done') return replay(stored) ?? null;
    this.host.throwIfAborted();
    const now = this.host.now();
    const since = stored?.since ?? this.host.job.lastRunAt ?? now;
    const until = stored?.until ?? now + timeoutMs;
    const found = await this.timed(this.store('findEvent').findEvent!(name, match ?? {}, since), `looking for event "${name}"`);
    const step = this.entry(key, 'wait');
    step.event = name;
    if (match !== undefined) step.match = match;
    step.since = since;
    step.until = until;
    if (found !== null || now >= until) {
      step.result = found === null ? null : found.payload;
      await this.save(step);
      return replay(step) ?? null;
    }
    step.state = 'waiting';
    this.suspended = { step, until };
    throw new Suspend();
  }

  /** After a sleep or wait ended the run, a handler that goes on may start nothing more. */
  private refuseAfterSuspend(): void {
    if (this.broken !== null) throw this.broken;
    if (this.suspended !== null) throw new Suspend();
  }

  /** A store call of this run, given up on after the worker's store-call timeout with a StoreError. */
  private timed<T>(call: Promise<T>, what: string): Promise<T> {
    const ms = this.host.callTimeoutMs?.();
    return ms === undefined ? call : withTimeout(call, ms, what);
  }

  private entry(key: string, kind: StepRecord['kind']): StepRecord {
    const job = this.host.job;
    return { key, kind, state: 'done', attempt: job.attempts, at: this.host.now(), workerId: this.host.workerId };
  }

  private store(method: 'loadSteps' | 'saveStep' | 'findEvent'): Store {
    const store = this.host.store();
    if (typeof store[method] !== 'function') throw new StoreError(`the ${store.kind} store does not support durable steps (Store.${method})`);
    return store;
  }

  private load(): Promise<Map<string, StepRecord>> {
    if (this.entries) return Promise.resolve(this.entries);
    this.loading ??= this.timed(this.store('loadSteps').loadSteps!(this.host.job.id), 'loading the steps of the run')
      .then((list) => {
        this.entries = new Map(list.map((step) => [step.key, step]));
        if (list.length > 0) this.used = true;
        return this.entries;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private async save(step: StepRecord): Promise<void> {
    const job = this.host.job;
    let saved: boolean;
    try {
      saved = await this.timed(this.store('saveStep').saveStep!(job.id, job.lockToken, step, this.host.now()), `saving step "${step.key}"`);
    } catch (error) {
      this.broken = error as Error;
      throw error;
    }
    if (!saved) throw this.host.leaseLost();
    this.entries!.set(step.key, step);
    this.used = true;
  }
}

/** A stored result as the handler gets it, on the run that stored it and on every later one: a JSON copy. */
function replay(step: StepRecord): Json | undefined {
  return step.result === undefined ? undefined : (JSON.parse(JSON.stringify(step.result)) as Json);
}

function wakeTime(at: Date | number | string): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === 'string' ? Date.parse(at) : at;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new ValidationError('sleepUntil', at, 'must be a Date, epoch ms or an ISO date text');
  return ms;
}

function validMatch(match: unknown): Record<string, Json> | undefined {
  if (match === undefined) return undefined;
  if (match === null || typeof match !== 'object' || Array.isArray(match)) throw new ValidationError('match', match, 'must be an object of top-level fields');
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(match)) {
    const scalar = value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!scalar) throw new ValidationError(`match.${key}`, value, 'must be a string, a finite number, a boolean or null');
    out[key] = value as Json;
  }
  return out;
}
