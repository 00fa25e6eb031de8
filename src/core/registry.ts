/**
 * Definitions (define()), the fallback handler, and the scheduler's defaults; resolves, for a claimed job,
 * the policy it runs under. Precedence: the job's own options, then its definition, then the defaults.
 * Options a producer did not set stay null in the store, so a worker's definition decides them at run time
 * (a process that only enqueues need not know every definition).
 */
import type { NameLimit } from './store.js';
import type { RunPolicy } from './outcome.js';
import type { BackoffSpec, JobHandler } from './types.js';
import type { normaliseDefine } from './normalise.js';

export type Definition = ReturnType<typeof normaliseDefine> & { handler: JobHandler };

export interface SchedulerDefaults {
  attempts: number;
  backoff: BackoffSpec;
  timeoutMs: number | null;
  priority: number;
  shouldSaveResult: boolean;
  maxLostRuns: number;
}

export interface ResolvedRun extends RunPolicy {
  handler: JobHandler;
  timeoutMs: number | null;
  lockLifetimeMs: number;
  maxLostRuns: number;
  /** Jobs to enqueue after each success (DefineOptions.then). */
  then: readonly string[];
  /** Whether DefineOptions.rateLimit throttles this name in this process. */
  rateLimited: boolean;
}

const NONE: readonly string[] = [];

export class Registry {
  readonly definitions = new Map<string, Definition>();

  constructor(
    readonly defaults: SchedulerDefaults,
    readonly lockLifetimeMs: number,
    public fallback: JobHandler | null,
  ) {}

  define(name: string, definition: Definition): void {
    this.definitions.set(name, definition);
  }

  priorityFor(name: string): number {
    return this.definitions.get(name)?.priority ?? this.defaults.priority;
  }

  maxAttemptsFor(name: string): number {
    return this.definitions.get(name)?.attempts ?? this.defaults.attempts;
  }

  /** How a claimed job runs here, or null when this process has no handler for it. */
  resolve(job: { name: string; maxAttempts: number | null; backoff: BackoffSpec | null; timeoutMs: number | null }): ResolvedRun | null {
    const def = this.definitions.get(job.name);
    const handler = def?.handler ?? this.fallback;
    if (!handler) return null;
    return {
      handler,
      maxAttempts: job.maxAttempts ?? def?.attempts ?? this.defaults.attempts,
      backoff: job.backoff ?? def?.backoff ?? this.defaults.backoff,
      timeoutMs: job.timeoutMs ?? def?.timeoutMs ?? this.defaults.timeoutMs,
      saveResult: def?.shouldSaveResult ?? this.defaults.shouldSaveResult,
      lockLifetimeMs: def?.lockLifetimeMs ?? this.lockLifetimeMs,
      maxLostRuns: def?.maxLostRuns ?? this.defaults.maxLostRuns,
      then: def?.then ?? NONE,
      rateLimited: def?.rateLimit !== undefined && def.rateLimit.scope === 'process',
    };
  }

  /**
   * What this process may claim now, given how many jobs of each name it holds (`runningHere`), and how many of
   * those still run although the store may no longer count them (`uncounted`: a deleted job, or one whose
   * lease was lost, whose handler has not returned yet, see job-run.ts; a cancelled one the store counts while
   * its lease holds, rules/claim.ts takesSlot, and is taken off here too, which is the same cap, not a second).
   * The store enforces `concurrency` by counting its rows, so those runs are taken off this process's share.
   */
  claimShape(
    runningHere: Map<string, number>,
    uncounted?: Map<string, number>,
  ): { names: string[] | null; limits: NameLimit[]; lockLifetimes: Record<string, number> } {
    const limits: NameLimit[] = [];
    const lockLifetimes: Record<string, number> = {};
    for (const [name, def] of this.definitions) {
      const globalRate = def.rateLimit?.scope === 'global' ? def.rateLimit : undefined;
      if (def.lockLimit !== undefined || def.concurrency !== undefined || def.groupConcurrency !== undefined || globalRate) {
        const limit: NameLimit = { name };
        if (def.groupConcurrency !== undefined) limit.groupConcurrency = def.groupConcurrency;
        if (globalRate) limit.rate = { max: globalRate.max, perMs: globalRate.perMs, ...(globalRate.byGroup ? { byGroup: true } : {}) };
        if (def.lockLimit !== undefined) limit.localFree = Math.max(0, def.lockLimit - (runningHere.get(name) ?? 0));
        if (def.concurrency !== undefined) {
          limit.global = def.concurrency;
          const hidden = uncounted?.get(name);
          if (hidden) limit.localFree = Math.max(0, Math.min(limit.localFree ?? Infinity, def.concurrency - hidden));
        }
        limits.push(limit);
      }
      if (def.lockLifetimeMs !== undefined) lockLifetimes[name] = def.lockLifetimeMs;
    }
    return { names: this.fallback ? null : [...this.definitions.keys()], limits, lockLifetimes };
  }

  /** True when the name has a per-name cap (its jobs free slots only once settled). */
  isCapped(name: string): boolean {
    const def = this.definitions.get(name);
    return def !== undefined && (def.concurrency !== undefined || def.lockLimit !== undefined || def.groupConcurrency !== undefined);
  }

  /** Shortest lock lifetime in use: heartbeats must come well within it. */
  shortestLifetime(): number {
    let shortest = this.lockLifetimeMs;
    for (const def of this.definitions.values()) if (def.lockLifetimeMs !== undefined) shortest = Math.min(shortest, def.lockLifetimeMs);
    return shortest;
  }
}
