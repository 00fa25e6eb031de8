import { describe as group, expect, it } from 'vitest';
import { covered, describe } from '../../bench/core/timeline.js';

group('bench/core/timeline', () => {
  it('counts time covered by overlapping, touching and separate spans once', () => {
    expect(covered([])).toBe(0);
    expect(covered([[0, 10]])).toBe(10);
    // [0, 10] and [5, 12] overlap, [12, 15] touches them, [20, 25] stands apart; given out of order.
    expect(covered([[20, 25], [5, 12], [0, 10], [12, 15]])).toBe(20);
    // One span inside another adds nothing.
    expect(covered([[0, 10], [2, 3]])).toBe(10);
  });

  it('describes each kind of call and the share of the run with any of them in flight', () => {
    const text = describe({ claim: [[0, 20], [50, 60]], settle: [[10, 40]], settleAndClaim: [] }, 100, 0.5);
    expect(text).toBe('claim 10.0 ms, in flight 30 %; settle 30.0 ms, in flight 30 %; any in flight 50 %; event loop busy 50 %');
  });
});
