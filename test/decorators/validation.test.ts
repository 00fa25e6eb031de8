/**
 * Bad input is refused with a typed error that names the field and the value, before anything is defined
 * or stored. Class-level cases are compiled by real compilers in both decorator flavours.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as decorators from '../../src/decorators/index.js';
import { InvalidCronError, InvalidDurationError, InvalidTimezoneError, ValidationError, type Scheduler } from '../../src/index.js';
import { BUILDS, loadSource } from './compile.js';
import { memoryScheduler } from './helpers.js';

const { job, daily, query, registerJobs } = decorators;

function caught(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

async function rejected(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('decorator arguments (checked when the class is defined)', () => {
  it('rejects a cron expression with the wrong number of fields', () => {
    const error = caught(() => job('sync', '*/5 * * *'));
    expect(error).toBeInstanceOf(InvalidCronError);
    expect(error).toMatchObject({ field: '@job("sync").schedule', value: '*/5 * * *', code: 'INVALID_CRON' });
    expect(error.message).toMatch(/expected 5 or 6 fields, found 4/);
  });

  it('rejects an impossible cron field and a schedule that is neither cron nor interval', () => {
    expect(caught(() => job('a', '0 25 * * *'))).toMatchObject({ code: 'INVALID_CRON', value: '0 25 * * *' });
    expect(caught(() => job('a', 'fortnightly'))).toMatchObject({ field: '@job("a").schedule', value: 'fortnightly', code: 'INVALID_INTERVAL' });
    expect(caught(() => job('a', 0))).toBeInstanceOf(InvalidDurationError);
  });

  it('accepts intervals and 6-field cron', () => {
    expect(() => job('a', '5m')).not.toThrow();
    expect(() => job('a', '30 seconds')).not.toThrow();
    expect(() => job('a', 60_000)).not.toThrow();
    expect(() => job('a', '*/10 * * * * *')).not.toThrow();
  });

  it('checks every config field by name', () => {
    expect(caught(() => job('a', '5m', { retries: -1 }))).toMatchObject({ field: '@job("a").config.retries', value: -1 });
    expect(caught(() => job('a', '5m', { retries: 1.5 }))).toMatchObject({ field: '@job("a").config.retries' });
    expect(caught(() => job('a', '5m', { retry: 3 } as never))).toMatchObject({ field: '@job("a").config.retry', value: 3 });
    expect(caught(() => job('a', '5m', { timeout: 'soon' }))).toMatchObject({ field: '@job("a").config.timeout', code: 'INVALID_DURATION' });
    expect(caught(() => daily('a', { maxComputeTime: 0 }))).toMatchObject({ field: '@daily("a").config.maxComputeTime', code: 'INVALID_DURATION' });
    expect(caught(() => daily('a', { timezone: 'Mars/Olympus' }))).toBeInstanceOf(InvalidTimezoneError);
    expect(caught(() => job('a', '5m', { timezone: 'Europe/Paris' }))).toMatchObject({ field: '@job("a").config.timezone' });
    expect(caught(() => job('a', '5m', { concurrency: 0 }))).toMatchObject({ field: '@job("a").config.concurrency', value: 0 });
    expect(caught(() => job('a', '5m', 'fast' as never))).toMatchObject({ field: '@job("a").config', value: 'fast' });
  });

  it('rejects empty names', () => {
    expect(caught(() => daily(''))).toMatchObject({ field: '@daily.name', value: '' });
    expect(caught(() => query(undefined as never))).toMatchObject({ field: '@query.name' });
    expect(caught(() => decorators.cron(''))).toMatchObject({ field: '@cron.group' });
  });

  it('refuses to decorate what is not a method (called as each flavour calls it)', () => {
    const legacyField = () => (job('a', '5m') as (t: object, k: string, d?: PropertyDescriptor) => void)({}, 'field', undefined);
    expect(caught(legacyField)).toMatchObject({ code: 'INVALID_DECORATOR', value: 'field' });
    const standardGetter = () => (job('a', '5m') as (v: unknown, c: object) => void)(() => 1, { kind: 'getter', name: 'x', static: false, private: false, metadata: {} });
    expect(caught(standardGetter)).toMatchObject({ code: 'INVALID_DECORATOR', value: 'x' });
  });
});

describe('registerJobs input', () => {
  let scheduler: Scheduler | null = null;
  afterEach(async () => {
    await scheduler?.stop();
    scheduler = null;
  });

  it('rejects a non-array, a non-class and a class without @cron', async () => {
    scheduler = memoryScheduler();
    class Plain {}
    await expect(rejected(registerJobs(scheduler, 'Plain' as never))).resolves.toMatchObject({ field: 'groups', value: 'Plain' });
    await expect(rejected(registerJobs(scheduler, [42 as never]))).resolves.toMatchObject({ field: 'groups[0]', value: 42, code: 'NOT_A_JOB_GROUP' });
    const error = await rejected(registerJobs(scheduler, [Plain]));
    expect(error).toMatchObject({ field: 'groups[0]', value: Plain, code: 'NOT_A_JOB_GROUP' });
    expect(error.message).toMatch(/not decorated with @cron/);
    await expect(rejected(registerJobs({} as never, []))).resolves.toMatchObject({ field: 'scheduler' });
    await expect(rejected(registerJobs(scheduler, [], { resolver: () => null } as never))).resolves.toMatchObject({ field: 'options.resolver' });
  });

  for (const { flavour, compiler } of BUILDS) {
    describe(`${flavour} decorators, ${compiler}`, () => {
      it('names the class whose @job methods lack @cron, and a @query without its @job', async () => {
        scheduler = memoryScheduler();
        const build = await loadSource<(d: typeof decorators) => Record<string, Function>>(
          `export default (d) => {
            class NoGroup { @d.daily('orphan') run() {} }
            @d.cron('lonely') class Lonely { @d.query('nobody') find() { return []; } }
            @d.cron('same-method') class SameMethod { @d.query('both') @d.job('both', '5m') m() {} }
            return { NoGroup, Lonely, SameMethod };
          }`,
          flavour,
          compiler,
        );
        const { NoGroup, Lonely, SameMethod } = build(decorators);
        const noGroup = await rejected(registerJobs(scheduler, [NoGroup!]));
        expect(noGroup).toMatchObject({ code: 'NOT_A_JOB_GROUP', value: NoGroup });
        expect(noGroup.message).toMatch(/lacks @cron/);
        await expect(rejected(registerJobs(scheduler, [Lonely!]))).resolves.toMatchObject({ field: 'Lonely.find', value: 'nobody', code: 'UNPAIRED_QUERY' });
        await expect(rejected(registerJobs(scheduler, [SameMethod!]))).resolves.toMatchObject({ value: 'both', code: 'UNPAIRED_QUERY' });
      });

      it('rejects static methods when the class is defined', async () => {
        const error = await loadSource<(d: typeof decorators) => unknown>(`export default (d) => { @d.cron('s') class S { @d.hourly('tick') static tick() {} } return S; }`, flavour, compiler)
          .then((build) => build(decorators))
          .then(() => null, (e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ code: 'INVALID_DECORATOR', value: 'tick' });
      });

      it('refuses duplicate job names across groups, and stores nothing', async () => {
        scheduler = memoryScheduler();
        const build = await loadSource<(d: typeof decorators) => Record<string, Function>>(
          `export default (d) => {
            @d.cron('a') class A { @d.daily('report') one() {} @d.hourly('a-only') two() {} }
            @d.cron('b') class B { @d.weekly('report') three() {} }
            @d.cron('c') class C { @d.query('sync') q() { return []; } @d.job('sync', '5m') item() {} }
            @d.cron('d') class D { @d.job('sync:item', '5m') clash() {} }
            @d.cron('a') class A2 { @d.hourly('other') x() {} }
            return { A, B, C, D, A2 };
          }`,
          flavour,
          compiler,
        );
        const { A, B, C, D, A2 } = build(decorators);
        const duplicate = await rejected(registerJobs(scheduler, [A!, B!]));
        expect(duplicate).toMatchObject({ field: 'B.three', value: 'report', code: 'DUPLICATE_JOB_NAME' });
        expect(duplicate.message).toMatch(/A\.one/);
        // A query's item jobs take a name too.
        await expect(rejected(registerJobs(scheduler, [C!, D!]))).resolves.toMatchObject({ value: 'sync:item', code: 'DUPLICATE_JOB_NAME' });
        await expect(rejected(registerJobs(scheduler, [A!, A!]))).resolves.toMatchObject({ field: 'groups[1]', code: 'DUPLICATE_GROUP' });
        await expect(rejected(registerJobs(scheduler, [A!, A2!]))).resolves.toMatchObject({ field: 'groups[1]', value: 'a', code: 'DUPLICATE_GROUP' });
        expect(scheduler.definedNames()).toEqual([]);
        expect(await scheduler.listJobs()).toEqual([]);

        // Names already defined on the scheduler (by define() or an earlier registerJobs) are taken.
        await registerJobs(scheduler, [A!]);
        await expect(rejected(registerJobs(scheduler, [B!]))).resolves.toMatchObject({ value: 'report', code: 'DUPLICATE_JOB_NAME' });
      });
    });
  }

  it('checks what resolve returns, and unknown names in run/pause', async () => {
    scheduler = memoryScheduler();
    const build = await loadSource<(d: typeof decorators) => Function>(`export default (d) => { @d.cron('g') class G { @d.daily('g-job') run() {} } return G; }`, 'standard', 'esbuild');
    const G = build(decorators);
    await expect(rejected(registerJobs(scheduler, [G], { resolve: () => null }))).resolves.toMatchObject({ field: 'options.resolve(G)', value: null });
    await expect(rejected(registerJobs(scheduler, [G], { resolve: () => ({}) }))).resolves.toMatchObject({ field: 'options.resolve(G)' });
    expect(await scheduler.listJobs()).toEqual([]);
    const registration = await registerJobs(scheduler, [G], { resolve: async (C) => new C() });
    await expect(rejected(registration.run('nope'))).resolves.toMatchObject({ field: 'name', value: 'nope', code: 'UNKNOWN_JOB_NAME' });
    await expect(rejected(registration.pause('nope'))).resolves.toMatchObject({ value: 'nope' });
  });
});
