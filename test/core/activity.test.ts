/**
 * Activity (runs per minute and name, run-time histograms) and the process registry (heartbeats), through
 * their own modules and through the Scheduler on the model store: what each process publishes, what
 * processes() and activity() answer, and that a heartbeat never hurts the worker.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityLog, ACTIVITY_MINUTES, histogramIndex, quantile, RUN_TIME_BOUNDS_MS, summarise } from '../../src/core/activity.js';
import { silentLogger } from '../../src/core/logger.js';
import { Scheduler } from '../../src/core/scheduler.js';
import type { Store } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';
import { recordingLogger } from '../support/logger.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('ActivityLog', () => {
  it('counts runs per minute and name, failures with their retries, and run times in the histogram', () => {
    const log = new ActivityLog();
    log.record('a', 'success', 3, T0 + 1_000);
    log.record('a', 'success', 40, T0 + 2_000);
    log.record('a', 'retry', 7, T0 + 3_000);
    log.record('a', 'final-failure', 2_000, T0 + 4_000);
    log.record('b', 'success', 400_000, T0 + MINUTE + 5);
    const buckets = log.snapshot(T0 + MINUTE + 10);
    expect(buckets).toHaveLength(2);
    const a = buckets.find((b) => b.name === 'a')!;
    expect(a).toMatchObject({ minute: T0, completed: 2, failed: 2, retried: 1 });
    expect(a.runTimes[histogramIndex(3)]).toBe(1);
    expect(a.runTimes[histogramIndex(2_000)]).toBe(1);
    const b = buckets.find((x) => x.name === 'b')!;
    expect(b).toMatchObject({ minute: T0 + MINUTE, completed: 1 });
    expect(b.runTimes[RUN_TIME_BOUNDS_MS.length]).toBe(1); // longer than the last bound
  });

  it('keeps the last hour only, and hands out copies', () => {
    const log = new ActivityLog();
    log.record('a', 'success', 1, T0);
    log.record('a', 'success', 1, T0 + (ACTIVITY_MINUTES - 1) * MINUTE);
    expect(log.snapshot(T0 + (ACTIVITY_MINUTES - 1) * MINUTE)).toHaveLength(2);
    log.record('a', 'success', 1, T0 + ACTIVITY_MINUTES * MINUTE);
    const kept = log.snapshot(T0 + ACTIVITY_MINUTES * MINUTE);
    expect(kept.map((b) => b.minute)).toEqual([T0 + (ACTIVITY_MINUTES - 1) * MINUTE, T0 + ACTIVITY_MINUTES * MINUTE]);
    kept[0]!.completed = 99;
    expect(log.snapshot(T0 + ACTIVITY_MINUTES * MINUTE)[0]!.completed).toBe(1);
  });

  it('counts a run whose clock went back in the current minute', () => {
    const log = new ActivityLog();
    log.record('a', 'success', 1, T0 + 5 * MINUTE);
    log.record('a', 'success', 1, T0 + 4 * MINUTE);
    expect(log.snapshot(T0 + 5 * MINUTE)).toEqual([expect.objectContaining({ minute: T0 + 5 * MINUTE, completed: 2 })]);
  });

  it('costs well under a microsecond per run (the worker calls it for every job)', () => {
    const log = new ActivityLog();
    const names = ['a', 'b', 'c', 'd'];
    const runs = 200_000;
    const started = performance.now();
    for (let i = 0; i < runs; i++) log.record(names[i & 3]!, i % 10 === 0 ? 'retry' : 'success', i % 500, T0 + i);
    const perRun = ((performance.now() - started) * 1000) / runs;
    expect(perRun).toBeLessThan(2); // µs; about 0.05 on a laptop
  });
});

describe('quantile and summarise', () => {
  it('interpolates inside the bucket and reports the last bound for the open one', () => {
    const h = new Array(RUN_TIME_BOUNDS_MS.length + 1).fill(0);
    expect(quantile(h, 0.5)).toBeNull();
    h[histogramIndex(75)] = 10; // all in (50, 100]
    expect(quantile(h, 0.5)).toBe(75);
    expect(quantile(h, 0.95)).toBe(97.5);
    const open = new Array(RUN_TIME_BOUNDS_MS.length + 1).fill(0);
    open[RUN_TIME_BOUNDS_MS.length] = 3;
    expect(quantile(open, 0.5)).toBe(RUN_TIME_BOUNDS_MS[RUN_TIME_BOUNDS_MS.length - 1]);
  });

  it('sums buckets of several processes per minute and per name, with percentiles from the summed histograms', () => {
    const one = new ActivityLog();
    const two = new ActivityLog();
    for (let i = 0; i < 9; i++) one.record('fast', 'success', 3, T0 + 10 * MINUTE);
    two.record('fast', 'success', 3, T0 + 10 * MINUTE + 1);
    two.record('slow', 'final-failure', 20_000, T0 + 11 * MINUTE);
    const now = T0 + 11 * MINUTE + 30_000;
    const report = summarise([...one.snapshot(now), ...two.snapshot(now)], now, 2);
    expect(report.minutes).toHaveLength(ACTIVITY_MINUTES);
    expect(report.to.getTime()).toBe(T0 + 12 * MINUTE);
    const at = (t: number) => report.minutes.find((m) => m.minute.getTime() === t)!;
    expect(at(T0 + 10 * MINUTE)).toMatchObject({ completed: 10, failed: 0 });
    expect(at(T0 + 11 * MINUTE)).toMatchObject({ completed: 0, failed: 1, retried: 0 });
    expect(at(T0 + 11 * MINUTE).p50Ms).toBeGreaterThan(10_000);
    expect(report).toMatchObject({ completed: 10, failed: 1, processes: 2 });
    expect(report.names.map((n) => n.name)).toEqual(['fast', 'slow']);
    expect(report.names[0]!.p95Ms).toBeLessThanOrEqual(5);
    expect(report.p95Ms).toBeGreaterThan(1_000);
  });
});

describe('Scheduler.processes() and activity()', () => {
  const running: Scheduler[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop({ graceful: false, timeoutMs: 1000 });
  });
  const scheduler = (store: Store, options: Partial<ConstructorParameters<typeof Scheduler>[0]> = {}) => {
    const s = new Scheduler({ store, logger: silentLogger, pollInterval: 20, ...options });
    running.push(s);
    return s;
  };

  it('lists every scheduler sharing the store, and sums their activity', async () => {
    const store = new MemoryStore();
    const a = scheduler(store, { workerId: 'a', concurrency: 3 });
    const b = scheduler(store, { workerId: 'b', concurrency: 2 });
    a.define('ok', async () => 1);
    b.define('bad', async () => {
      throw new Error('no');
    });
    await a.start();
    await b.start();
    await a.now('ok');
    await a.now('bad', null, { attempts: 2, backoff: { type: 'fixed', delay: 1 } });
    await waitUntil(async () => (await a.countJobs()).failed === 1 && (await a.countJobs()).completed === 1);

    const processes = await a.processes();
    expect(processes.map((p) => [p.id, p.concurrency, p.names, p.stoppedAt])).toEqual([
      ['a', 3, ['ok'], null],
      ['b', 2, ['bad'], null],
    ]);
    expect(processes[0]).toMatchObject({ pid: process.pid, running: 0 });
    expect(processes[0]!.startedAt).toBeInstanceOf(Date);
    expect(await a.processesShared()).toBe(true);

    // b's runs reach a through b's heartbeat: at stop, at the latest.
    await b.stop();
    const activity = await a.activity();
    expect(activity).toMatchObject({ completed: 1, failed: 2, retried: 1, processes: 2 });
    expect(activity.names.map((n) => [n.name, n.completed, n.failed])).toEqual([
      ['bad', 0, 2],
      ['ok', 1, 0],
    ]);
    const stopped = (await a.processes()).find((p) => p.id === 'b')!;
    expect(stopped.stoppedAt).toBeInstanceOf(Date);
    expect(stopped.lastHour).toEqual({ completed: 0, failed: 2, retried: 1 });
  });

  it('with a store that keeps no process registry: this process only, and says so', async () => {
    const store = new MemoryStore() as Store;
    Object.assign(store, { putProcess: undefined, listProcesses: undefined });
    const s = scheduler(store, { workerId: 'solo' });
    s.define('ok', async () => 1);
    expect(await s.processes()).toEqual([]); // not started: not a running scheduler
    await s.start();
    await s.now('ok');
    await waitUntil(async () => (await s.countJobs()).completed === 1);
    expect((await s.processes()).map((p) => p.id)).toEqual(['solo']);
    expect(await s.processesShared()).toBe(false);
    expect((await s.activity()).completed).toBe(1);
  });

  it('a failing heartbeat is logged once and never reaches the worker', async () => {
    const store = new MemoryStore();
    let fail = true;
    const put = store.putProcess.bind(store);
    store.putProcess = async (record, forget) => {
      if (fail) throw new Error('registry down');
      return put(record, forget);
    };
    const logger = recordingLogger();
    const s = scheduler(store, { logger });
    s.define('ok', async () => 1);
    await s.start();
    await s.now('ok');
    await waitUntil(async () => (await s.countJobs()).completed === 1);
    await waitUntil(() => logger.records.some((r) => /heartbeat/.test(r.msg)));
    expect(logger.records.filter((r) => /heartbeat/.test(r.msg)).map((r) => r.level)).toEqual(['warn']);
    fail = false;
    await s.stop();
    expect((await store.listProcesses()).map((p) => p.stoppedAt !== null)).toEqual([true]);
  });
});
