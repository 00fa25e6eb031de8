/** Bad input: a typed error naming the field and the value, raised before anything is stored. */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { InvalidCronError, InvalidDataError, InvalidTimeError, InvalidTimezoneError, ValidationError } from '../../src/core/errors.js';

const scheduler = () => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), logger: silentLogger });

async function rejects(promise: Promise<unknown>, type: Function, code: string, field: string, valueText: string) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected ${type.name}`).toBeInstanceOf(type);
  expect(error).toMatchObject({ code, field });
  expect((error as Error).message).toContain(field);
  expect((error as Error).message).toContain(valueText);
}

describe('validation', () => {
  it('rejects an invalid cron, naming the field and the expression', async () => {
    const s = scheduler();
    await rejects(s.every('61 * * * *', 'x'), InvalidCronError, 'INVALID_CRON', 'interval.cron', '61 * * * *');
    await rejects(s.schedule({ name: 'x', repeat: { cron: '* * *' } }), InvalidCronError, 'INVALID_CRON', 'spec.repeat.cron', '* * *');
    await rejects(s.every('every tuesday', 'x'), ValidationError, 'INVALID_INTERVAL', 'interval', 'every tuesday');
    expect(await s.queueSize()).toBe(0);
  });

  it('rejects an unknown time zone', async () => {
    const s = scheduler();
    await rejects(s.every('0 9 * * *', 'x', null, { timezone: 'Mars/Olympus' }), InvalidTimezoneError, 'INVALID_TIMEZONE', 'interval.timezone', 'Mars/Olympus');
    await rejects(s.schedule({ name: 'x', repeat: { cron: '0 9 * * *', timezone: 'Nowhere' } }), InvalidTimezoneError, 'INVALID_TIMEZONE', 'spec.repeat.timezone', 'Nowhere');
    expect(() => new Scheduler({ timezone: 'Not/AZone' })).toThrow(InvalidTimezoneError);
  });

  it('rejects a when it cannot understand', async () => {
    const s = scheduler();
    await rejects(s.schedule('whenever you like', 'x'), InvalidTimeError, 'INVALID_TIME', 'when', 'whenever you like');
    await rejects(s.schedule(new Date('nope'), 'x'), InvalidTimeError, 'INVALID_TIME', 'when', 'Invalid Date');
    await rejects(s.schedule(Number.NaN, 'x'), InvalidTimeError, 'INVALID_TIME', 'when', 'NaN');
    await rejects(s.schedule({ name: 'x', runAt: 'the day after never' }), InvalidTimeError, 'INVALID_TIME', 'spec.runAt', 'the day after never');
  });

  it('rejects negative or fractional attempts, concurrency and delays', async () => {
    const s = scheduler();
    await rejects(s.now('x', null, { attempts: -1 }), ValidationError, 'INVALID_ARGUMENT', 'options.attempts', '-1');
    await rejects(s.now('x', null, { attempts: 1.5 }), ValidationError, 'INVALID_ARGUMENT', 'options.attempts', '1.5');
    await rejects(s.schedule({ name: 'x', delay: -5 }), ValidationError, 'INVALID_DURATION', 'spec.delay', '-5');
    await rejects(s.now('x', null, { backoff: { type: 'fixed', delay: '-3s' } }), ValidationError, 'INVALID_DURATION', 'options.backoff.delay', '-3s');
    await rejects(s.now('x', null, { backoff: { type: 'linear' as 'fixed', delay: 1 } }), ValidationError, 'INVALID_ARGUMENT', 'options.backoff.type', 'linear');
    expect(() => s.define('x', async () => 1, { concurrency: 0 })).toThrow(/options.concurrency.*0/);
    expect(() => new Scheduler({ concurrency: -2 })).toThrow(/options.concurrency.*-2/);
    expect(() => new Scheduler({ pollInterval: 'soon' })).toThrow(/options.pollInterval.*soon/);
  });

  it('rejects unknown priority names and option typos instead of defaulting', async () => {
    const s = scheduler();
    await rejects(s.now('x', null, { priority: 'urgent' as 'high' }), ValidationError, 'INVALID_PRIORITY', 'options.priority', 'urgent');
    await rejects(s.now('x', null, { attemps: 3 } as object), ValidationError, 'INVALID_ARGUMENT', 'options.attemps', '3');
    expect(() => s.define('x', async () => 1, { priority: 'top' as 'high' })).toThrow(/options.priority.*top/);
  });

  it('rejects data JSON cannot round-trip, naming the path', async () => {
    const s = scheduler();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    await rejects(s.now('x', { id: 10n }), InvalidDataError, 'INVALID_DATA', 'data.id', 'BigInt');
    await rejects(s.now('x', { fn: () => 1 }), InvalidDataError, 'INVALID_DATA', 'data.fn', 'function');
    await rejects(s.now('x', cyclic), InvalidDataError, 'INVALID_DATA', 'data.self', 'Circular');
    await rejects(s.now('x', { when: new Date(0) }), InvalidDataError, 'INVALID_DATA', 'data.when', 'toISOString');
    await rejects(s.now('x', [1, Number.POSITIVE_INFINITY]), InvalidDataError, 'INVALID_DATA', 'data[1]', 'Infinity');
    await rejects(s.now('x', { m: new Map() }), InvalidDataError, 'INVALID_DATA', 'data.m', 'Map');
    await rejects(s.scheduleBulk([{ name: 'ok' }, { name: 'x', data: { b: 1n } }]), InvalidDataError, 'INVALID_DATA', 'specs[1].data.b', 'BigInt');
    expect(await s.queueSize()).toBe(0); // the valid first spec was not stored either
    const fine = await s.now('x', { nested: [{ a: null, b: 'two', c: true, d: 1.5 }], skipped: undefined });
    expect(fine.data).toEqual({ nested: [{ a: null, b: 'two', c: true, d: 1.5 }] });
  });

  it('rejects data nested deeper than 1,000 levels with a typed error, not a stack overflow', async () => {
    const nested = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = i % 2 ? [value] : { v: value };
      return value;
    };
    const s = scheduler();
    // 1,000 levels is what SQLite's JSON functions and Redis's cjson read; it is stored and read back whole.
    const deepest = await s.now('x', nested(1000));
    expect(JSON.stringify((await s.getJob(deepest.id))!.data)).toBe(JSON.stringify(nested(1000)));
    for (const levels of [1001, 10_000]) {
      const error = await s.now('x', nested(levels)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidDataError);
      expect(error).toMatchObject({ code: 'INVALID_DATA' });
      expect((error as Error).message).toMatch(/^data[.v[\]0]*…?: arrays and objects may nest at most 1000 levels deep/);
    }
    const payload = await s.sendEvent('e', nested(2000) as never).catch((e: unknown) => e);
    expect(payload).toBeInstanceOf(InvalidDataError);
    expect((payload as InvalidDataError).field).toMatch(/^payload\[0\]\.v/);
    expect(await s.queueSize()).toBe(1);
  });

  it('rejects a negative maxLostRuns, in define and in defaults', () => {
    const s = new Scheduler({ store: new SqliteStore({ path: ':memory:' }), logger: silentLogger });
    expect(() => s.define('x', async () => undefined, { maxLostRuns: -1 })).toThrow(/maxLostRuns/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), defaults: { maxLostRuns: 1.5 } })).toThrow(/options\.defaults\.maxLostRuns/);
  });

  it('rejects a retention it cannot use, naming the field', () => {
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: {} })).toThrow(/options\.retention/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { completed: 'soon' } })).toThrow(/options\.retention\.completed/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { complete: '1d' } as never })).toThrow(/options\.retention\.complete\b.*unknown/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { failed: -5 } })).toThrow(/options\.retention\.failed/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { completed: { count: -1 } } })).toThrow(/options\.retention\.completed\.count/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { completed: { count: 1.5 } } })).toThrow(/options\.retention\.completed\.count/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { completed: {} } })).toThrow(/options\.retention\.completed: give age/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { completed: { cnt: 5 } } as never })).toThrow(/options\.retention\.completed\.cnt\b.*unknown/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { history: { count: 5 } } as never })).toThrow(/options\.retention\.history/);
    expect(() => new Scheduler({ store: new SqliteStore({ path: ':memory:' }), retention: { completed: { count: 1000 } } })).not.toThrow();
  });

  it('rejects an empty name', async () => {
    const s = scheduler();
    await rejects(s.now(''), ValidationError, 'INVALID_ARGUMENT', 'name', '""');
    await rejects(s.every('5m', '   '), ValidationError, 'INVALID_ARGUMENT', 'name', '"   "');
    expect(() => s.define('', async () => 1)).toThrow(/name/);
  });
  it('rejects an empty or blank duration as a duration, not with the parser\'s own error', async () => {
    const s = scheduler();
    await rejects(s.now('x', null, { timeout: '' }), ValidationError, 'INVALID_DURATION', 'options.timeout', '""');
    await rejects(s.now('x', null, { timeout: '   ' }), ValidationError, 'INVALID_DURATION', 'options.timeout', '"   "');
    await rejects(s.every('', 'x'), ValidationError, 'INVALID_INTERVAL', 'interval', '""');
    await rejects(s.schedule({ name: 'x', delay: '' }), ValidationError, 'INVALID_DURATION', 'spec.delay', '""');
    expect(() => Scheduler.duration('')).toThrow(/duration/);
    expect(await s.queueSize()).toBe(0);
  });

  it('rejects a job id that is neither a string nor a number, in every method that takes one', async () => {
    const s = scheduler();
    for (const id of [{}, Object.create(null), [], null, undefined, true]) {
      const text = id === undefined ? 'undefined' : id === null ? 'null' : id === true ? 'true' : Array.isArray(id) ? '[]' : '{}';
      await rejects(s.getJob(id as never), ValidationError, 'INVALID_ARGUMENT', 'id', text);
      await rejects(s.history(id as never), ValidationError, 'INVALID_ARGUMENT', 'id', text);
      await rejects(s.cancel(id as never), ValidationError, 'INVALID_ARGUMENT', 'id', text);
      await rejects(s.trigger(id as never), ValidationError, 'INVALID_ARGUMENT', 'id', text);
      await rejects(s.update(id as never, { priority: 1 }), ValidationError, 'INVALID_ARGUMENT', 'id', text);
      await rejects(s.remove(id as never), ValidationError, 'INVALID_ARGUMENT', 'id', text);
      await rejects(s.requireJob(id as never), ValidationError, 'INVALID_ARGUMENT', 'id', text);
    }
    await rejects(s.history('1', { limit: 0 }), ValidationError, 'INVALID_ARGUMENT', 'options.limit', '0');
    await rejects(s.history('1', { limit: 1.5 }), ValidationError, 'INVALID_ARGUMENT', 'options.limit', '1.5');
    await rejects(s.history('1', { limt: 1 } as never), ValidationError, 'INVALID_ARGUMENT', 'options.limt', '1');
    // A number is an id as its decimal text.
    const job = await s.schedule('in 1 hour', 'x');
    expect((await s.getJob(Number(job.id) as never))!.id).toBe(job.id);
    expect(await s.cancel(Number(job.id) as never)).toMatchObject({ id: job.id, status: 'cancelled' });
  });
  it('rejects listening to an event the scheduler never emits, and takes its own and EventEmitter\'s', async () => {
    const s = scheduler();
    const listen = (event: unknown) => () => s.on(event as never, () => {});
    expect(listen('job:completed')).toThrow(ValidationError);
    expect(listen('job:completed')).toThrow(/^event: must be one of .*job:complete.*\(got "job:completed"\)/);
    expect(() => s.once('jobs:fail' as never, () => {})).toThrow(/jobs:fail/);
    expect(() => s.addListener('job:done' as never, () => {})).toThrow(/job:done/);
    expect(() => s.prependListener('job:done' as never, () => {})).toThrow(/job:done/);
    expect(() => s.prependOnceListener('job:done' as never, () => {})).toThrow(/job:done/);
    expect(listen(Object.create(null))).toThrow(ValidationError);
    expect(s.listenerCount('job:completed' as never)).toBe(0);
    for (const event of ['job:complete', 'scheduler:error', 'error', 'newListener', 'removeListener']) expect(listen(event)).not.toThrow();
    // Node's events.once() listens to 'error' beside the event it waits for.
    const started = once(s, 'job:created');
    await s.now('x');
    expect((await started)[0]).toMatchObject({ name: 'x' });
  });
});
