/**
 * Redis runs one script at a time, and once a script has run longer than the server's busy-reply-threshold
 * (lua-time-limit, 5 s by default) it answers every other command with a BUSY error until the script ends.
 * Such a command was refused, not run, so sending it again is safe whatever it writes: the store waits, as
 * SQLite's busy_timeout waits for another process's write lock, rather than failing a claim, an enqueue or a
 * start because another client (a big import, an operator's script) holds the server for a while.
 */
import type { Logger } from '../../core/logger.js';

/** How long a call keeps retrying a BUSY server by default (RedisStoreOptions.busyTimeoutMs). */
export const DEFAULT_BUSY_TIMEOUT_MS = 30_000;
const FIRST_PAUSE_MS = 5;
const LONGEST_PAUSE_MS = 250;

/** Redis's BUSY reply, as such or as ioredis reports a refused ready check ("Ready check failed: BUSY …"). */
export function isBusy(error: unknown): boolean {
  return error instanceof Error && /(^|: )BUSY /.test(error.message);
}

/**
 * fn, sent again after `refusal` (its first run's BUSY error) while Redis answers BUSY, with pauses growing from 5
 * to 250 ms, until `timeoutMs` has passed since that refusal; then (or on any other error) the error is the
 * caller's. Called only once fn has been refused, so a call that is not refused takes no extra step. fn must be
 * safe to run again from its start after a refusal: every command before the refused one was a read, or a write
 * that is the same when repeated (each of the store's operations is one script, or reads, or such writes). The
 * refusal is logged once, as a warning.
 */
export async function retryWhileBusy<T>(operation: string, fn: () => Promise<T>, refusal: unknown, timeoutMs: number, logger: Logger): Promise<T> {
  if (!isBusy(refusal)) throw refusal;
  logger.warn({ operation, busyTimeoutMs: timeoutMs }, 'redis is busy running a script: waiting for it to end');
  const deadline = Date.now() + timeoutMs;
  let pause = FIRST_PAUSE_MS;
  let last = refusal;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw last;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
    try {
      return await fn();
    } catch (error) {
      if (!isBusy(error)) throw error;
      last = error;
    }
  }
}
