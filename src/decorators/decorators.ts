/**
 * @cron, @job, @query and the schedule shorthands. Each works under both compiler settings users pick:
 * TypeScript's legacy `experimentalDecorators` calls a method decorator with (prototype, key, descriptor) and
 * a class decorator with (constructor); TC39 standard decorators call both with (value, context). We tell them
 * apart by the arguments, never by configuration, so one build of hourglass serves both.
 *
 * Decorators only record; they never wrap or replace the method, so a group stays a plain class that tests
 * can construct and call directly.
 */
import { ValidationError } from '../core/errors.js';
import { assertName } from '../core/validate.js';
import { addLegacyEntry, addStandardEntry, groupOf, installMetadataSymbol, legacyEntries, setGroup, takeStandardEntries, type MethodEntry } from './metadata.js';
import { PRESETS, parseJobSchedule, type JobConfig } from './schedule.js';

installMetadataSymbol();

/** A method decorator that type-checks under either setting. */
export interface JobMethodDecorator {
  (value: (this: any, ...args: any[]) => any, context: ClassMethodDecoratorContext<any, any>): void;
  (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void;
}

/** A class decorator that type-checks under either setting. */
export interface JobGroupDecorator {
  (value: abstract new (...args: any[]) => any, context: ClassDecoratorContext<any>): void;
  (target: Function): void;
}

type StandardContext = { kind: string; name: string | symbol; static?: boolean; private?: boolean; metadata?: object };

function isStandardContext(value: unknown): value is StandardContext {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string' && 'name' in value;
}

/** Marks a class as a job group: its @job and @query methods become hourglass jobs in registerJobs(). */
export function cron(group: string): JobGroupDecorator {
  assertName(group, '@cron.group');
  const written = `@cron(${JSON.stringify(group)})`;
  return function decorateGroup(...args: unknown[]): void {
    const [value, context] = args;
    if (typeof value !== 'function') throw new ValidationError(written, value, 'decorates a class', 'INVALID_DECORATOR');
    let entries: MethodEntry[];
    if (isStandardContext(context)) {
      if (context.kind !== 'class') throw new ValidationError(written, context.name, `decorates a class, not a ${context.kind}`, 'INVALID_DECORATOR');
      entries = takeStandardEntries(value, context.metadata);
    } else if (args.length === 1) {
      entries = legacyEntries(value);
    } else {
      throw new ValidationError(written, value, 'decorates a class', 'INVALID_DECORATOR');
    }
    const existing = groupOf(value);
    if (existing) throw new ValidationError(written, value, `class is already the group ${JSON.stringify(existing.group)}`, 'INVALID_DECORATOR');
    setGroup(value, { group, entries });
  } as JobGroupDecorator;
}

/**
 * A job on a schedule: a cron expression (5 or 6 fields) or an interval ('5m'). Alone, the method runs on
 * each due time. With a @query of the same name in the class, the query runs on each due time and this
 * method runs once per item the query returned.
 */
export function job(name: string, schedule: string | number, config?: JobConfig): JobMethodDecorator {
  assertName(name, '@job.name');
  const written = `@job(${JSON.stringify(name)})`;
  const parsed = parseJobSchedule(schedule, config, written);
  return methodDecorator(written, (methodName, method) => ({ kind: 'job', name, methodName, method, written, schedule: parsed }));
}

/** The item source of the @job with the same name: returns an array of items or yields batches (arrays). */
export function query(name: string): JobMethodDecorator {
  assertName(name, '@query.name');
  const written = `@query(${JSON.stringify(name)})`;
  return methodDecorator(written, (methodName, method) => ({ kind: 'query', name, methodName, method, written }));
}

function preset(which: keyof typeof PRESETS) {
  return (name: string, config?: JobConfig): JobMethodDecorator => {
    assertName(name, `@${which}.name`);
    const written = `@${which}(${JSON.stringify(name)})`;
    const parsed = parseJobSchedule(PRESETS[which], config, written);
    return methodDecorator(written, (methodName, method) => ({ kind: 'job', name, methodName, method, written, schedule: parsed }));
  };
}

/** Every hour at minute 0 ('0 * * * *'). */
export const hourly = preset('hourly');
/** Every day at midnight ('0 0 * * *', in the scheduler's time zone unless config.timezone). */
export const daily = preset('daily');
/** Sundays at midnight ('0 0 * * 0'). */
export const weekly = preset('weekly');
/** The 1st of each month at midnight ('0 0 1 * *'). */
export const monthly = preset('monthly');

function methodDecorator(written: string, entry: (methodName: string | symbol, method: Function) => MethodEntry): JobMethodDecorator {
  return function decorateMethod(...args: unknown[]): void {
    const [target, second, descriptor] = args;
    if (isStandardContext(second)) {
      if (second.kind !== 'method') throw new ValidationError(written, second.name, `decorates methods, not a ${second.kind}`, 'INVALID_DECORATOR');
      if (second.static) throw new ValidationError(written, second.name, 'decorates instance methods, not static ones', 'INVALID_DECORATOR');
      // registerJobs calls a job by name on the resolved instance; a #private method has no name to call.
      if (second.private) throw new ValidationError(written, second.name, 'cannot decorate a #private method', 'INVALID_DECORATOR');
      addStandardEntry(second.metadata, entry(second.name, target as Function));
      return;
    }
    if (typeof second === 'string' || typeof second === 'symbol') {
      // Legacy decorators receive the constructor (not the prototype) for a static member.
      if (typeof target === 'function') throw new ValidationError(written, second, 'decorates instance methods, not static ones', 'INVALID_DECORATOR');
      const value = (descriptor as PropertyDescriptor | undefined)?.value;
      if (typeof value !== 'function') throw new ValidationError(written, second, 'decorates methods, not a property or accessor', 'INVALID_DECORATOR');
      addLegacyEntry(target as object, entry(second, value));
      return;
    }
    throw new ValidationError(written, target, 'must decorate a method', 'INVALID_DECORATOR');
  } as JobMethodDecorator;
}
