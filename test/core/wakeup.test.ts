/** When the claim loop wakes: kicks, due times, capped timers. On a fake clock: nothing here sleeps. */
import { describe, expect, it } from 'vitest';
import { MAX_TIMER_MS, Wakeup } from '../../src/core/wakeup.js';
import { FakeClock } from './fake-clock.js';

function setup() {
  const clock = new FakeClock();
  const wakeup = new Wakeup(clock);
  wakeup.start();
  return { clock, wakeup };
}

/** Whether the promise has settled, after the microtasks already queued have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
}

describe('Wakeup', () => {
  it('sleeps until its time is up, or until a kick', async () => {
    const { clock, wakeup } = setup();
    const timed = wakeup.sleep(100);
    clock.advance(99);
    expect(await settled(timed)).toBe(false);
    clock.advance(1);
    expect(await settled(timed)).toBe(true);
    const kicked = wakeup.sleep(100);
    wakeup.kick();
    expect(await settled(kicked)).toBe(true);
    expect(clock.pending).toEqual([]); // the kicked sleep's timer is gone
  });

  it('remembers a kick that came while the loop was busy: the next sleep returns at once, once', async () => {
    const { wakeup } = setup();
    wakeup.kick();
    expect(await settled(wakeup.sleep(100))).toBe(true);
    expect(await settled(wakeup.sleep(100))).toBe(false);
  });

  it('does not spend a kick on a sleep that already timed out', async () => {
    const { clock, wakeup } = setup();
    const first = wakeup.sleep(100);
    clock.advance(100);
    await first;
    wakeup.kick(); // the loop is busy claiming
    expect(await settled(wakeup.sleep(100))).toBe(true);
  });

  it('says a claim is expected after a kick while running, until the loop begins its next pass', () => {
    const { wakeup } = setup();
    expect(wakeup.claimExpected).toBe(false);
    wakeup.kick();
    expect(wakeup.claimExpected).toBe(true);
    wakeup.beginPass();
    expect(wakeup.claimExpected).toBe(false);
    wakeup.kick();
    wakeup.stop();
    expect(wakeup.claimExpected).toBe(false);
    wakeup.kick();
    expect(wakeup.claimExpected).toBe(false);
  });

  it('wakes at a due time (not before), keeping only the earliest', async () => {
    const { clock, wakeup } = setup();
    const sleeping = wakeup.sleep(10_000);
    wakeup.wakeAt(clock.now() + 500);
    wakeup.wakeAt(clock.now() + 300);
    wakeup.wakeAt(clock.now() + 400);
    expect(clock.pending).toEqual([301, 10_000]);
    clock.advance(300);
    expect(await settled(sleeping)).toBe(false);
    clock.advance(1);
    expect(await settled(sleeping)).toBe(true);
  });

  it(`never sets a timer longer than ${MAX_TIMER_MS} ms: a far due time is re-armed until it arrives`, async () => {
    const { clock, wakeup } = setup();
    const at = clock.now() + 2.5 * MAX_TIMER_MS;
    wakeup.wakeAt(at);
    expect(clock.pending).toEqual([MAX_TIMER_MS]);
    const sleeping = wakeup.sleep(10 * MAX_TIMER_MS);
    clock.advance(2 * MAX_TIMER_MS);
    expect(clock.pending).toEqual([0.5 * MAX_TIMER_MS + 1, 8 * MAX_TIMER_MS]);
    expect(await settled(sleeping)).toBe(false);
    clock.advance(0.5 * MAX_TIMER_MS + 1);
    expect(await settled(sleeping)).toBe(true);
  });

  it('kicks at once for a time already past, and ignores due times once stopped', async () => {
    const { clock, wakeup } = setup();
    const sleeping = wakeup.sleep(1000);
    wakeup.wakeAt(clock.now() - 1);
    expect(await settled(sleeping)).toBe(true);
    wakeup.wakeAt(clock.now() + 100);
    wakeup.stop();
    expect(clock.pending).toEqual([]);
    wakeup.wakeAt(clock.now() + 100);
    expect(clock.pending).toEqual([]);
  });
});
