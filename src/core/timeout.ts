/**
 * A store call that must answer in time. Every call the run path makes has one shorter than a lease (claim,
 * heartbeat, settle, progress: see worker.ts), so a stalled network is noticed while the lease still holds,
 * and the HTTP metrics scrape uses one so it answers when the store hangs. The call itself goes on (nothing can
 * cancel a query already sent); what it answers late is ignored by whoever gave up on it.
 */
import { systemClock, type Clock } from './clock.js';
import { StoreError } from './errors.js';

/** `promise`, or a StoreError naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string, clock: Clock = systemClock): Promise<T> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new StoreError(`${what}: no answer from the store within ${ms} ms`)), ms);
      timer.unref?.();
    }),
  ]).finally(() => {
    if (timer !== undefined) clock.clearTimeout(timer);
  });
}
