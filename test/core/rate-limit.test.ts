/** The per-name throttle: a sliding window over start times, and the claim it shapes. Times are plain numbers. */
import { describe, expect, it } from 'vitest';
import { RateLimiter, type RateLimit } from '../../src/core/rate-limit.js';
import type { NameLimit } from '../../src/core/store.js';

const limits: Record<string, RateLimit> = { mail: { max: 3, perMs: 1000 }, sms: { max: 1, perMs: 500 } };
const limiter = () => new RateLimiter((name) => limits[name]);

describe('RateLimiter', () => {
  it('does not throttle a name without a limit', () => {
    const l = limiter();
    l.record('other', 0);
    expect(l.room('other', 0)).toBe(Infinity);
    expect(l.nextFree('other', 0)).toBeNull();
  });

  it('lets max runs start in any window, and frees room as the oldest start leaves it', () => {
    const l = limiter();
    for (const at of [0, 400, 800]) l.record('mail', at);
    expect(l.room('mail', 900)).toBe(0);
    expect(l.nextFree('mail', 900)).toBe(1000);
    expect(l.room('mail', 999)).toBe(0);
    expect(l.room('mail', 1000)).toBe(1); // the start at 0 is out of the window (1000 ms later)
    expect(l.nextFree('mail', 1000)).toBeNull();
    l.record('mail', 1000);
    expect(l.nextFree('mail', 1000)).toBe(1400);
  });

  it('is a sliding window: a burst at the end of one window and the start of the next cannot double the rate', () => {
    const l = limiter();
    for (const at of [990, 995, 999]) l.record('mail', at);
    expect(l.room('mail', 1001)).toBe(0); // a fixed window starting at 1000 would allow 3 more here
    expect(l.room('mail', 1990)).toBe(1);
  });

  it('caps each throttled name of a claim at its room less the jobs held ahead, and says when to wake', () => {
    const l = limiter();
    l.record('mail', 0);
    l.record('sms', 100);
    const shape: NameLimit[] = [{ name: 'mail', localFree: 5, global: 2 }];
    const wakeAt = l.limitClaim(['mail', 'sms', 'other'], shape, [{ name: 'mail' }], 200);
    expect(shape).toEqual([
      { name: 'mail', localFree: 1, global: 2 }, // 3 − 1 started − 1 held ahead
      { name: 'sms', localFree: 0 },
    ]);
    expect(wakeAt).toBe(600); // sms may start again when its start at 100 leaves its 500 ms window
  });

  it('keeps a smaller cap the claim already had, and asks for no wake-up while every name has room', () => {
    const l = limiter();
    const shape: NameLimit[] = [{ name: 'mail', localFree: 1 }];
    expect(l.limitClaim(['mail'], shape, [], 0)).toBeNull();
    expect(shape).toEqual([{ name: 'mail', localFree: 1 }]);
  });
});
