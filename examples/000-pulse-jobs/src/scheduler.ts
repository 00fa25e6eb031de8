/**
 * The app's one scheduler, as the seed's `getPulse()` / `stopPulse()`: created on first use, on the store
 * $HOURGLASS_STORE names (a SQLite file by default), and stopped gracefully on shutdown.
 */
import { createLogger, Scheduler, storeFromUrl } from 'hourglass-jobs';

let scheduler: Promise<Scheduler> | undefined;

export function getScheduler(url = process.env.HOURGLASS_STORE ?? 'sqlite:./hourglass.db'): Promise<Scheduler> {
  scheduler ??= (async () =>
    new Scheduler({
      store: await storeFromUrl(url),
      // Without a logger, ctx.logger prints warnings and errors only; this shows the handlers' info lines too.
      logger: createLogger({ level: 'info', pretty: true }),
      concurrency: 5,
    }))();
  return scheduler;
}

/** Stop claiming, let running jobs finish (up to 30 s), release the store. Jobs stay stored for the next start. */
export async function stopScheduler(): Promise<void> {
  const current = scheduler;
  scheduler = undefined;
  await (await current)?.stop({ graceful: true, timeoutMs: 30_000 });
}
