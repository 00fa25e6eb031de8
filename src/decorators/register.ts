/**
 * registerJobs(scheduler, groups, { resolve }): decorated classes → define() handlers and repeating jobs.
 *
 * Every job is a repeating job created with every(), keyed by its name: ten processes booting at once keep
 * one job per name, and each due time runs once across them (the core guarantees both). Policies (attempts,
 * retry delay, run limit) go on the definitions, not on the stored rows, so a deploy that changes a
 * decorator's config changes how pending runs behave too.
 */
import { ValidationError } from '../core/errors.js';
import { assertKnownKeys, assertObject } from '../core/normalise.js';
import type { Scheduler } from '../core/scheduler.js';
import type { DefineOptions, EveryOptions, HandlerContext, Job, Json } from '../core/types.js';
import { enqueueItems } from './enqueue-items.js';
import { methodLabel, planGroups, type PlannedJob } from './plan.js';

export interface RegisterOptions {
  /**
   * The instance whose methods run, for a group class: a DI container's get, say. May return a promise.
   * Called once per group, at registration. Default: `new Class()`.
   */
  resolve?: (groupClass: any) => unknown;
}

export interface RegisteredJob {
  name: string;
  group: string;
  /** 'Class.method' of the @job method. */
  method: string;
  /** With a @query: 'Class.method' of the query, and the name its item jobs carry. */
  query: string | null;
  itemName: string | null;
  schedule: string | number;
  /** The repeating job as stored at registration. */
  job: Job;
}

export interface JobRegistration {
  jobs: RegisteredJob[];
  /** Every name defined: the jobs and their item jobs. */
  names: string[];
  /** Run a job now, outside its schedule (a running job is left to finish). The seed's runner.run(name). */
  run(name: string): Promise<Job>;
  /** Stop claiming a job (and its items), in every process, until resume(); running ones finish. No name: all. */
  pause(name?: string): Promise<void>;
  resume(name?: string): Promise<void>;
}

type Instance = Record<string | symbol, unknown>;

export async function registerJobs(scheduler: Scheduler, groups: Function[], options: RegisterOptions = {}): Promise<JobRegistration> {
  if (!scheduler || typeof scheduler !== 'object' || typeof scheduler.define !== 'function' || typeof scheduler.every !== 'function') {
    throw new ValidationError('scheduler', scheduler, 'must be a Scheduler');
  }
  const o = assertObject(options, 'options') as RegisterOptions;
  assertKnownKeys(o, ['resolve'], 'options');
  if (o.resolve !== undefined && typeof o.resolve !== 'function') throw new ValidationError('options.resolve', o.resolve, 'must be a function (Class) => instance');
  const resolve = o.resolve ?? ((groupClass: Function) => new (groupClass as new () => unknown)());

  const plans = planGroups(groups, scheduler.definedNames());
  const instances = new Map<Function, Instance>();
  for (const plan of plans) {
    if (plan.jobs.length === 0) scheduler.logger.warn({ group: plan.group }, 'job group has no @job methods');
    const instance = (await resolve(plan.groupClass)) as Instance;
    if (instance === null || (typeof instance !== 'object' && typeof instance !== 'function')) {
      throw new ValidationError(`options.resolve(${plan.groupClass.name})`, instance, 'must return an instance of the group class');
    }
    for (const job of plan.jobs) {
      for (const entry of job.queryEntry ? [job.jobEntry, job.queryEntry] : [job.jobEntry]) {
        if (typeof instance[entry.methodName] !== 'function') {
          throw new ValidationError(`options.resolve(${plan.groupClass.name})`, instance, `has no method ${String(entry.methodName)} (${methodLabel(plan.groupClass, entry)})`);
        }
      }
    }
    instances.set(plan.groupClass, instance);
  }

  const planned = plans.flatMap((plan) => plan.jobs);
  for (const job of planned) defineJob(scheduler, job, instances.get(job.groupClass)!);

  const everyArgs = (job: PlannedJob): [string | number, string, undefined, EveryOptions] => {
    const o: EveryOptions = { key: job.name };
    // An interval waits one interval before its first run, as a cron expression waits for its first match.
    if (job.schedule.kind === 'interval') o.skipImmediate = true;
    if (job.schedule.timezone !== undefined) o.timezone = job.schedule.timezone;
    return [job.schedule.interval, job.name, undefined, o];
  };
  const registered: RegisteredJob[] = [];
  for (const job of planned) {
    const stored = await scheduler.every(...everyArgs(job));
    registered.push({
      name: job.name,
      group: job.group,
      method: methodLabel(job.groupClass, job.jobEntry),
      query: job.queryEntry ? methodLabel(job.groupClass, job.queryEntry) : null,
      itemName: job.itemName,
      schedule: job.schedule.written,
      job: stored,
    });
    scheduler.logger.debug({ group: job.group, job: job.name, schedule: job.schedule.written, items: job.itemName }, 'registered decorated job');
  }

  const byName = new Map(planned.map((job) => [job.name, job]));
  const lookup = (name: string): PlannedJob => {
    const job = byName.get(name);
    if (!job) throw new ValidationError('name', name, `is not a job of this registration (${[...byName.keys()].join(', ')})`, 'UNKNOWN_JOB_NAME');
    return job;
  };
  const namesOf = (name: string | undefined): string[] =>
    (name === undefined ? planned : [lookup(name)]).flatMap((job) => (job.itemName ? [job.name, job.itemName] : [job.name]));
  return {
    jobs: registered,
    names: namesOf(undefined),
    async run(name) {
      const job = lookup(name);
      // every() again returns the one row (recreating it if it was removed); trigger makes it due now.
      const stored = await scheduler.every(...everyArgs(job));
      return (await scheduler.trigger(stored.id)) ?? stored;
    },
    async pause(name) {
      for (const n of namesOf(name)) await scheduler.pause(n);
    },
    async resume(name) {
      for (const n of namesOf(name)) await scheduler.resume(n);
    },
  };
}

/**
 * A plain job calls its method with (ctx). A @query pair defines two names: the job itself runs the query and
 * stores each item as a job of itemName; those run the @job method with (item, ctx). Methods are called on
 * the resolved instance, by name, so `this` is that instance.
 */
function defineJob(scheduler: Scheduler, job: PlannedJob, instance: Instance): void {
  const s = job.schedule;
  const policy: DefineOptions = { attempts: s.attempts, backoff: { type: 'fixed', delay: s.retryDelayMs }, timeout: s.maxComputeTimeMs };
  const call = (key: string | symbol, args: unknown[]): unknown => (instance[key] as (...a: unknown[]) => unknown)(...args);
  const jobMethod = job.jobEntry.methodName;
  if (!job.queryEntry || !job.itemName) {
    scheduler.define(job.name, (_job, ctx) => call(jobMethod, [ctx]), policy);
    return;
  }
  const queryMethod = job.queryEntry.methodName;
  const itemName = job.itemName;
  const written = job.queryEntry.written;
  scheduler.define(
    job.name,
    async (_job, ctx: HandlerContext) => {
      // An async generator method returns its generator synchronously; await leaves it as it is.
      const source = await call(queryMethod, [ctx]);
      const stored = await enqueueItems(scheduler, itemName, source as never, {
        signal: ctx.signal,
        field: `${written} result`,
        onChunk: (progress) => ctx.progress(progress as unknown as Json),
      });
      ctx.logger.info({ ...stored, itemName }, 'query stored its items');
      return stored;
    },
    policy,
  );
  scheduler.define(itemName, (itemJob, ctx) => call(jobMethod, [itemJob.data, ctx]), s.concurrency === undefined ? policy : { ...policy, concurrency: s.concurrency });
}
