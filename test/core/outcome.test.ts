/** decide(): what a finished run means for its job, as the Settlement the store applies. Pure: no store, no clock. */
import { describe, expect, it } from 'vitest';
import { backoffDelay, decide, errorStack, errorText, MAX_STACK_CHARS, MAX_STACK_LINES, type RunPolicy } from '../../src/core/outcome.js';
import type { ClaimedJob } from '../../src/core/store.js';

const NOW = 1_700_000_000_000;
const STARTED = NOW - 250;

function claimed(patch: Partial<ClaimedJob> = {}): ClaimedJob {
  return {
    id: '7',
    name: 'work',
    data: null,
    status: 'running',
    priority: 0,
    attempts: 1,
    maxAttempts: null,
    backoff: null,
    timeoutMs: null,
    repeat: null,
    repeatKey: null,
    dedupeKey: null,
    dedupeUntil: null,
    label: null,
    trace: null,
    group: null,
    dueAt: NOW - 1000,
    nextRunAt: NOW - 1000,
    lastRunAt: STARTED,
    lastFinishedAt: null,
    lastError: null,
    lastErrorStack: null,
    result: null,
    progress: null,
    flow: null,
    waitingFor: 0,
    lockedBy: 'w1',
    lockedUntil: NOW + 30_000,
    createdAt: NOW - 5000,
    updatedAt: STARTED,
    lockToken: 'token-1',
    ...patch,
  };
}

const policy = (patch: Partial<RunPolicy> = {}): RunPolicy => ({ maxAttempts: 3, backoff: { type: 'fixed', delay: 1000 }, saveResult: true, ...patch });

describe('decide', () => {
  it('completes a successful run, with its result and one history record', () => {
    const { verdict, settlement } = decide(claimed(), { kind: 'success', result: { ok: 1 } }, policy(), STARTED, NOW, 'w1');
    expect(verdict).toBe('success');
    expect(settlement).toMatchObject({ id: '7', lockToken: 'token-1', status: 'completed', finishedAt: NOW, result: { ok: 1 } });
    expect(settlement.nextRunAt).toBeUndefined();
    expect(settlement.history).toEqual({ status: 'completed', attempt: 1, startedAt: STARTED, completedAt: NOW, error: null, stack: null, result: { ok: 1 }, workerId: 'w1' });
  });

  it('does not keep the result when told not to, and leaves a null result alone', () => {
    const { settlement } = decide(claimed(), { kind: 'success', result: 'secret' }, policy({ saveResult: false }), STARTED, NOW, 'w1');
    expect(settlement.result).toBeUndefined();
    expect(settlement.history!.result).toBeNull();
    expect(decide(claimed(), { kind: 'success', result: null }, policy(), STARTED, NOW, 'w1').settlement.result).toBeUndefined();
    expect(decide(claimed({ result: 'old' }), { kind: 'success', result: null }, policy(), STARTED, NOW, 'w1').settlement.result).toBeNull();
  });

  it('clears an earlier attempt’s error on success, and writes nothing when there was none', () => {
    const after = decide(claimed({ lastError: 'boom', lastErrorStack: 'Error: boom\n    at x' }), { kind: 'success', result: 1 }, policy(), STARTED, NOW, 'w1');
    expect(after.settlement).toMatchObject({ lastError: null, lastErrorStack: null });
    const clean = decide(claimed(), { kind: 'success', result: 1 }, policy(), STARTED, NOW, 'w1');
    expect('lastError' in clean.settlement).toBe(false);
    expect('lastErrorStack' in clean.settlement).toBe(false);
  });

  it('retries a failure with attempts left after its backoff, keeping message and stack', () => {
    const error = new Error('boom');
    const { verdict, settlement } = decide(claimed({ attempts: 2 }), { kind: 'failure', error }, policy(), STARTED, NOW, 'w1');
    expect(verdict).toBe('retry');
    expect(settlement).toMatchObject({ status: 'pending', nextRunAt: NOW + 1000, lastError: 'boom' });
    expect(settlement.lastErrorStack).toMatch(/^Error: boom\n\s+at /);
    expect(settlement.history).toMatchObject({ status: 'failed', attempt: 2, error: 'boom', stack: settlement.lastErrorStack });
    expect(settlement.attempts).toBeUndefined(); // the claim already counted this attempt
  });

  it('backs off exponentially by retry number, up to maxDelay', () => {
    const backoff = { type: 'exponential' as const, delay: 100, maxDelay: 1000 };
    expect([1, 2, 3, 4, 5].map((retry) => backoffDelay(backoff, retry))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffDelay({ type: 'fixed', delay: 250 }, 7)).toBe(250);
    const third = decide(claimed({ attempts: 3 }), { kind: 'failure', error: new Error('x') }, policy({ maxAttempts: 5, backoff }), STARTED, NOW, 'w1');
    expect(third.settlement.nextRunAt).toBe(NOW + 400);
  });

  it('fails for good when no attempt is left', () => {
    const { verdict, settlement } = decide(claimed({ attempts: 3 }), { kind: 'failure', error: new Error('last') }, policy(), STARTED, NOW, 'w1');
    expect(verdict).toBe('final-failure');
    expect(settlement).toMatchObject({ status: 'failed', lastError: 'last' });
    expect(settlement.nextRunAt).toBeUndefined();
  });

  it('moves a repeating job to its next occurrence after a success or its last failure, attempts starting over', () => {
    const repeat = { every: 60_000 };
    const job = claimed({ repeat, dueAt: NOW - 1000, attempts: 3 });
    for (const outcome of [{ kind: 'success' as const, result: null }, { kind: 'failure' as const, error: new Error('last') }]) {
      const { settlement } = decide(job, outcome, policy(), STARTED, NOW, 'w1');
      expect(settlement).toMatchObject({ status: 'pending', nextRunAt: NOW + 59_000, dueAt: NOW + 59_000, attempts: 0 });
    }
  });

  it('writes the maxAttempts it ran under when the job has none, and only then', () => {
    expect(decide(claimed(), { kind: 'success', result: null }, policy({ maxAttempts: 4 }), STARTED, NOW, 'w1').settlement.maxAttempts).toBe(4);
    expect(decide(claimed({ maxAttempts: 2 }), { kind: 'success', result: null }, policy({ maxAttempts: 4 }), STARTED, NOW, 'w1').settlement.maxAttempts).toBeUndefined();
    const failed = decide(claimed({ attempts: 3 }), { kind: 'failure', error: new Error('x') }, policy(), STARTED, NOW, 'w1');
    expect(failed.settlement.maxAttempts).toBe(3);
  });

  it('records a cancel as a cancelled history entry', () => {
    const { verdict, settlement } = decide(claimed(), { kind: 'cancelled' }, policy(), STARTED, NOW, 'w1');
    expect(verdict).toBe('cancelled');
    expect(settlement.history).toMatchObject({ status: 'cancelled', error: 'cancelled', attempt: 1 });
  });

  it('releases a job without spending its attempt, due now', () => {
    const { verdict, settlement } = decide(claimed({ attempts: 2 }), { kind: 'released', reason: 'interrupted' }, policy(), STARTED, NOW, 'w1');
    expect(verdict).toBe('released');
    expect(settlement).toMatchObject({ status: 'pending', nextRunAt: NOW, attempts: 1 });
    expect(settlement.history).toMatchObject({ status: 'failed', error: 'interrupted' });
    expect(decide(claimed({ attempts: 0 }), { kind: 'released', reason: 'r' }, policy(), STARTED, NOW, 'w1').settlement.attempts).toBe(0);
  });
});

describe('error text and stack', () => {
  it('keeps a stack of at most MAX_STACK_LINES lines, saying how many were left out', () => {
    const error = new Error('deep');
    error.stack = ['Error: deep', ...Array.from({ length: 200 }, (_, i) => `    at frame${i} (file.js:${i}:1)`)].join('\n');
    const stack = errorStack(error)!;
    const lines = stack.split('\n');
    expect(lines).toHaveLength(MAX_STACK_LINES + 1);
    expect(lines[0]).toBe('Error: deep');
    expect(lines.at(-1)).toBe(`    ... ${201 - MAX_STACK_LINES} more lines`);
  });

  it('keeps at most MAX_STACK_CHARS characters of a stack, and none when there is none', () => {
    const error = new Error('wide');
    error.stack = `Error: wide\n    at ${'x'.repeat(MAX_STACK_CHARS * 2)}`;
    const stack = errorStack(error)!;
    expect(stack.length).toBe(MAX_STACK_CHARS);
    expect(stack.endsWith('...')).toBe(true);
    const bare = new Error('bare');
    bare.stack = undefined;
    expect(errorStack(bare)).toBeNull();
    const failed = decide(claimed(), { kind: 'failure', error: bare }, policy(), STARTED, NOW, 'w1').settlement;
    expect(failed).toMatchObject({ lastError: 'bare', lastErrorStack: null });
    expect(failed.history!.stack).toBeNull();
  });

  it('bounds the message, and names an error that has none', () => {
    expect(errorText(new Error('m'.repeat(10_000)))).toHaveLength(4000);
    const nameless = new Error('');
    expect(errorText(nameless)).toBe('Error');
  });
});
