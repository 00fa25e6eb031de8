/**
 * Time as the run path reads it: the current time and timers, passed in rather than called globally, so the
 * unit tests of the wake-ups and the settle batcher drive a fake clock instead of sleeping.
 */
export interface Timer {
  /** Node's timers can let the process exit while they wait; a fake need not implement it. */
  unref?(): unknown;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

const setTimer = (fn: () => void, ms: number): Timer => setTimeout(fn, ms);
const clearTimer = (timer: Timer): void => clearTimeout(timer as NodeJS.Timeout);

export const systemClock: Clock = { now: () => Date.now(), setTimeout: setTimer, clearTimeout: clearTimer };

/** Real timers with another notion of now (the scheduler's `now` option, which due times are written in). */
export function clockWith(now: () => number): Clock {
  return { now, setTimeout: setTimer, clearTimeout: clearTimer };
}
