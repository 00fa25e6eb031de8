/**
 * Durable runs in the core (src/core/durable.ts, rules/steps.ts): the rules as pure functions, the typed errors
 * for bad input, and a suspension's settlement. Behaviour on every store: test/conformance/durable-steps.ts.
 */
import { describe, expect, it } from 'vitest';
import { Scheduler } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import { decide } from '../../src/core/outcome.js';
import { firstMatch, matchesEvent, waitVerdict } from '../../src/core/rules/steps.js';
import type { ClaimedJob, StepRecord } from '../../src/core/store.js';
import { MemoryStore } from '../../src/stores/memory/index.js';
import { waitUntil } from '../conformance/helpers.js';

describe('rules/steps', () => {
  it('matchesEvent: every match field is a top-level field of an object payload with an equal value', () => {
    expect(matchesEvent(undefined, 5)).toBe(true);
    expect(matchesEvent({}, null)).toBe(true);
    expect(matchesEvent({ k: 1 }, { k: 1, z: 2 })).toBe(true);
    expect(matchesEvent({ k: 1 }, { k: '1' })).toBe(false);
    expect(matchesEvent({ k: null }, { k: null })).toBe(true);
    expect(matchesEvent({ k: null }, {})).toBe(false);
    expect(matchesEvent({ k: 1 }, [1])).toBe(false);
    expect(matchesEvent({ constructor: 1 }, {})).toBe(false);
  });

  it('firstMatch takes the earliest by sent time, then the first sent, from `since` on', () => {
    const events = [
      { name: 'e', payload: { n: 1 }, sentAt: 30 },
      { name: 'e', payload: { n: 2 }, sentAt: 20 },
      { name: 'e', payload: { n: 3 }, sentAt: 20 },
      { name: 'f', payload: { n: 4 }, sentAt: 5 },
    ];
    expect(firstMatch(events, 'e', undefined, 0)?.payload).toEqual({ n: 2 });
    expect(firstMatch(events, 'e', undefined, 25)?.payload).toEqual({ n: 1 });
    expect(firstMatch(events, 'e', { n: 3 }, 0)?.payload).toEqual({ n: 3 });
    expect(firstMatch(events, 'e', undefined, 31)).toBeNull();
  });

  it('waitVerdict: wake a pending job whose waiting entry matches; keep a running one; drop the rest', () => {
    const step: StepRecord = { key: 'wait:1', kind: 'wait', state: 'waiting', attempt: 1, at: 0, workerId: 'w', event: 'e', match: { k: 1 } };
    expect(waitVerdict({ status: 'pending' }, step, 'e', { k: 1 })).toBe('wake');
    expect(waitVerdict({ status: 'pending' }, step, 'e', { k: 2 })).toBe('keep');
    expect(waitVerdict({ status: 'running' }, step, 'e', { k: 1 })).toBe('keep');
    expect(waitVerdict({ status: 'cancelled' }, step, 'e', { k: 1 })).toBe('drop');
    expect(waitVerdict(null, step, 'e', { k: 1 })).toBe('drop');
    expect(waitVerdict({ status: 'pending' }, { ...step, state: 'done' }, 'e', { k: 1 })).toBe('drop');
    expect(waitVerdict({ status: 'pending' }, step, 'other', { k: 1 })).toBe('drop');
  });

  it('a suspension settles pending at the wake time, attempts restored, with no history record', () => {
    const job = { id: '1', attempts: 2, maxAttempts: 3, repeat: null, result: null, lastError: null, lastErrorStack: null, lockToken: 't' } as unknown as ClaimedJob;
    const step: StepRecord = { key: 'sleep:1', kind: 'sleep', state: 'done', attempt: 2, at: 10, workerId: 'w', until: 500 };
    const { verdict, settlement } = decide(job, { kind: 'suspended', step, until: 500 }, { maxAttempts: 3, backoff: { type: 'fixed', delay: 0 }, saveResult: true }, 5, 10, 'w');
    expect(verdict).toBe('suspended');
    expect(settlement).toMatchObject({ status: 'pending', nextRunAt: 500, attempts: 1, history: null });
  });
});

describe('ctx durable calls: bad input is a typed error naming the field', () => {
  async function runWith(handler: (ctx: Parameters<Parameters<Scheduler['define']>[1]>[1]) => Promise<unknown>) {
    const s = new Scheduler({ store: new MemoryStore(), logger: silentLogger, pollInterval: 20 });
    let caught: unknown;
    s.define('t', async (_job, ctx) => {
      try {
        await handler(ctx);
      } catch (error) {
        caught = error;
      }
    });
    await s.start();
    await s.now('t');
    await waitUntil(() => caught !== undefined);
    await s.stop({ graceful: false });
    return caught as { code: string; message: string };
  }

  it.each([
    ['an empty step id', (ctx: any) => ctx.step('', () => 1), /step id/],
    ['a step without a function', (ctx: any) => ctx.step('a', 5), /step fn/],
    ['a bad sleep duration', (ctx: any) => ctx.sleep('soon'), /sleep duration/],
    ['a bad wake time', (ctx: any) => ctx.sleepUntil('not a date'), /sleepUntil/],
    ['a wait without a timeout', (ctx: any) => ctx.waitForEvent('e', {}), /timeout/],
    ['a match value that is an object', (ctx: any) => ctx.waitForEvent('e', { match: { k: { a: 1 } }, timeout: 10 }), /match\.k/],
  ])('%s', async (_what, call, message) => {
    const error = await runWith(call);
    expect(error.code).toMatch(/^INVALID_/);
    expect(error.message).toMatch(message);
  });

  it('sendEvent checks its name and payload', async () => {
    const s = new Scheduler({ store: new MemoryStore(), logger: silentLogger });
    await expect(s.sendEvent('', {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(s.sendEvent('e', { f: () => 1 } as never)).rejects.toMatchObject({ code: expect.stringMatching(/^INVALID_/) });
    expect(await s.sendEvent('e', { a: 1 })).toBe(0);
    await s.stop();
  });
});
