/** Small helpers the CLI verbs share: opening a scheduler on a URL, and stopping it on Ctrl-C. */
import { ValidationError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Scheduler } from '../core/scheduler.js';
import { storeFromUrl } from '../core/store-url.js';

export function cliLogger(level: 'info' | 'warn' = 'info'): Logger {
  return createLogger({ level, pretty: true });
}

export function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new ValidationError(flag, value, 'must be a whole number');
  return n;
}

export async function openScheduler(url: string, options: { logger?: Logger; concurrency?: number } = {}): Promise<Scheduler> {
  return new Scheduler({
    store: await storeFromUrl(url),
    logger: options.logger ?? cliLogger('warn'),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
}

/** Resolve when the process is asked to stop (Ctrl-C or SIGTERM); a second Ctrl-C exits at once. */
export function untilSignal(logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    let asked = false;
    const onSignal = (signal: string) => {
      if (asked) {
        logger.warn(`${signal} again: exiting without waiting`);
        process.exit(130);
      }
      asked = true;
      resolve(signal);
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
}
