/**
 * The settle batcher on a fake store and a fake clock: runs ending in one turn share one store call, a failing
 * store is retried with backoff until the give-up time, and outcomes can wait for the next claim.
 */
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { MAX_BATCH, SettleBatcher, type SettleBatcherOptions } from '../../src/core/settle-batcher.js';
import type { Settlement } from '../../src/core/store.js';
import { FakeClock } from './fake-clock.js';
import { recordingLogger } from '../support/logger.js';
import { deferred } from './helpers.js';

const settlement = (id: string): Settlement => ({ id, lockToken: `t${id}`, status: 'completed', finishedAt: 0, history: null });

function setup(options: Partial<SettleBatcherOptions> = {}) {
  const clock = new FakeClock();
  const calls: string[][] = [];
  const failures: Error[] = [];
  let fail = 0;
  const batcher = new SettleBatcher({
    // Applies every settlement except those whose id starts with "lost".
    settle: async (batch) => {
      calls.push(batch.map((s) => s.id));
      if (fail > 0) {
        fail--;
        throw new Error('store down');
      }
      return batch.map((s) => !s.id.startsWith('lost'));
    },
    logger: silentLogger,
    giveUpAfterMs: 1000,
    storeFailed: (error) => failures.push(error),
    clock,
    ...options,
  });
  return { batcher, clock, calls, failures, failNext: (n: number) => (fail = n) };
}

describe('SettleBatcher', () => {
  it('applies the outcomes of one turn in one store call, and tells each caller whether its own was applied', async () => {
    const { batcher, calls } = setup();
    const results = await Promise.all([batcher.submit(settlement('1')), batcher.submit(settlement('lost-2')), batcher.submit(settlement('3'))]);
    expect(calls).toEqual([['1', 'lost-2', '3']]);
    expect(results).toEqual([true, false, true]);
  });

  it(`splits more than ${MAX_BATCH} outcomes into store calls of at most ${MAX_BATCH}`, async () => {
    const { batcher, calls } = setup();
    await Promise.all(Array.from({ length: MAX_BATCH + 20 }, (_, i) => batcher.submit(settlement(String(i)))));
    expect(calls.map((c) => c.length)).toEqual([MAX_BATCH, 20]);
  });

  it('retries a failing store with doubling delays, reporting each failure, until it applies them', async () => {
    const { batcher, clock, calls, failures, failNext } = setup();
    failNext(2);
    const firstRetry = clock.timerSet();
    const applied = batcher.submit(settlement('1'));
    expect(await firstRetry).toBe(100);
    expect(calls).toHaveLength(1);
    const secondRetry = clock.timerSet();
    clock.advance(99);
    expect(clock.pending).toEqual([1]); // not a millisecond early
    clock.advance(1);
    expect(await secondRetry).toBe(200);
    expect(calls).toHaveLength(2);
    clock.advance(200);
    expect(await applied).toBe(true);
    expect(calls).toEqual([['1'], ['1'], ['1']]);
    expect(failures.map((e) => e.message)).toEqual(['store down', 'store down']);
  });

  it('gives up once the store has failed for longer than giveUpAfterMs: the outcome is not applied, and says so', async () => {
    const logger = recordingLogger();
    const { batcher, clock, failNext } = setup({ logger, giveUpAfterMs: 250 });
    failNext(Infinity);
    let timer = clock.timerSet();
    const applied = batcher.submit(settlement('1'));
    let gaveUp = false;
    void applied.then(() => (gaveUp = true));
    // 100 + 200 ms of retries pass the 250 ms give-up time: the third failure is the last.
    for (const delay of [100, 200]) {
      expect(await timer).toBe(delay);
      timer = clock.timerSet();
      clock.advance(delay);
    }
    expect(await applied).toBe(false);
    expect(gaveUp).toBe(true);
    const line = await logger.when((r) => r.level === 'error');
    expect(line.msg).toMatch(/could not record job outcomes/);
    expect(line.fields.jobs).toEqual(['1']);
  });

  it('holds outcomes for the next claim while one is expected, and settles them alone when given back', async () => {
    const asked = deferred();
    const { batcher, calls } = setup({
      deferToClaim: () => {
        asked.resolve();
        return true;
      },
    });
    const applied = batcher.submit(settlement('1'));
    await asked.promise; // the batcher chose to hold it rather than flush it
    expect(calls).toEqual([]);
    const taken = batcher.take();
    expect(taken.map((p) => p.settlement.id)).toEqual(['1']);
    // The combined call failed: they go on their own, even though a claim is still expected.
    batcher.giveBack(taken);
    expect(await applied).toBe(true);
    expect(calls).toEqual([['1']]);
  });

  it(`hands every outcome held for a claim to it, more than ${MAX_BATCH} too, so none is left to wait for the next`, async () => {
    const asked = deferred();
    const { batcher, calls } = setup({
      deferToClaim: () => {
        asked.resolve();
        return true;
      },
    });
    const applied = Array.from({ length: MAX_BATCH + 20 }, (_, i) => batcher.submit(settlement(String(i))));
    await asked.promise;
    const taken = batcher.take();
    expect(taken).toHaveLength(MAX_BATCH + 20);
    taken.forEach((p, i) => p.settled(i % 2 === 0));
    expect(await Promise.all(applied)).toEqual(taken.map((_, i) => i % 2 === 0));
    expect(calls).toEqual([]);
  });

  it('drain() resolves once everything submitted so far is applied, even outcomes held for a claim', async () => {
    const settle = vi.fn(async (batch: Settlement[]) => batch.map(() => true));
    const { batcher } = setup({ settle, deferToClaim: () => true });
    const applied = batcher.submit(settlement('1'));
    await batcher.drain();
    expect(settle).toHaveBeenCalledTimes(1);
    expect(await applied).toBe(true);
    await batcher.drain(); // nothing left: at once
  });

  it('sends a settle again when the store does not answer in callTimeoutMs, and ignores the late answer', async () => {
    const clock = new FakeClock();
    const answers = [deferred<boolean[]>(), deferred<boolean[]>()];
    const calls: string[][] = [];
    const failures: Error[] = [];
    const batcher = new SettleBatcher({
      settle: (batch) => {
        calls.push(batch.map((s) => s.id));
        return answers[calls.length - 1]!.promise;
      },
      logger: silentLogger,
      giveUpAfterMs: 10_000,
      callTimeoutMs: () => 300,
      storeFailed: (error) => failures.push(error),
      clock,
    });
    const told = vi.fn();
    const timeout = clock.timerSet();
    batcher.add({ settlement: settlement('1'), settled: told });
    expect(await timeout).toBe(300);
    const retry = clock.timerSet();
    clock.advance(300); // the first call has not answered: a failure, retried after the first backoff
    expect(await retry).toBe(100);
    expect(failures.map((e) => e.message)).toEqual(['recording job outcomes: no answer from the store within 300 ms']);
    expect(told).not.toHaveBeenCalled();
    const secondTimeout = clock.timerSet();
    clock.advance(100);
    expect(await secondTimeout).toBe(300);
    expect(calls).toEqual([['1'], ['1']]);
    // The store applied the first call after all: the resent one answers "applied" (Store.settle).
    answers[0]!.resolve([true]);
    answers[1]!.resolve([true]);
    await batcher.drain();
    expect(told.mock.calls).toEqual([[true]]);
  });
});
