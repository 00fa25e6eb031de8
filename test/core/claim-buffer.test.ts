/** The claim buffer: how many jobs to lock ahead of free slots, learnt from how long handlers take. */
import { describe, expect, it } from 'vitest';
import { ClaimBuffer, SHORT_JOB_MS } from '../../src/core/claim-buffer.js';
import type { ClaimedJob } from '../../src/core/store.js';

const job = (id: string, name = 'n') => ({ id, name }) as ClaimedJob;

describe('ClaimBuffer', () => {
  it('locks nothing ahead until it has seen a handler finish', () => {
    expect(new ClaimBuffer(100, 4).ahead).toBe(0);
  });

  it(`locks about ${SHORT_JOB_MS} ms of work ahead while jobs are short, at most maxAhead`, () => {
    const buffer = new ClaimBuffer(100, 4);
    buffer.recordDuration(10);
    expect(buffer.ahead).toBe(20); // 4 slots × 50 ms / 10 ms
    const capped = new ClaimBuffer(5, 4);
    capped.recordDuration(1);
    expect(capped.ahead).toBe(5);
    const instant = new ClaimBuffer(100, 4);
    instant.recordDuration(0);
    expect(instant.ahead).toBe(100); // a 0 ms average is not a division by zero
  });

  it(`locks nothing ahead once jobs average ${SHORT_JOB_MS} ms or more`, () => {
    const buffer = new ClaimBuffer(100, 4);
    buffer.recordDuration(SHORT_JOB_MS);
    expect(buffer.ahead).toBe(0);
  });

  it('follows a moving average: one slow job does not stop it, a run of them does', () => {
    const buffer = new ClaimBuffer(100, 1);
    buffer.recordDuration(10);
    buffer.recordDuration(100); // 0.9 × 10 + 0.1 × 100 = 19
    expect(buffer.ahead).toBe(3); // ceil(50 / 19)
    for (let i = 0; i < 20; i++) buffer.recordDuration(100);
    expect(buffer.ahead).toBe(0);
  });

  it('hands jobs out in claim order, removes one by id, counts them by name, and empties on takeAll', () => {
    const buffer = new ClaimBuffer(10, 1);
    buffer.push([job('1', 'a'), job('2', 'b'), job('3', 'a')]);
    expect(buffer.size).toBe(3);
    expect(buffer.remove('2')?.id).toBe('2');
    expect(buffer.remove('2')).toBeUndefined();
    const counts = new Map([['a', 1]]);
    buffer.countByName(counts);
    expect([...counts]).toEqual([['a', 3]]);
    expect(buffer.shift()?.id).toBe('1');
    buffer.push([job('4')]);
    expect(buffer.takeAll().map((j) => j.id)).toEqual(['3', '4']);
    expect(buffer.size).toBe(0);
    expect(buffer.shift()).toBeUndefined();
  });
});
