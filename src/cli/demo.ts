/**
 * hourglass demo: the seeds' examples on the embedded store, logging what runs, with the dashboard on
 * http://127.0.0.1:3000/ (--port; another free port when 3000 is taken and no port was asked for).
 * Ctrl-C stops gracefully. A recurring job, a flaky job that retries with backoff, a job that spawns another,
 * crons with a time zone, a one-off job for later, and a deduplicated job.
 */
import type { Scheduler } from '../core/scheduler.js';
import { serve, type RunningServer } from '../http/serve.js';
import type { Job } from '../core/types.js';
import { cliLogger, openScheduler, parseCount, redact, untilSignal } from './shared.js';

export async function runDemo(options: { store: string; concurrency: string | undefined; port?: string | undefined; host?: string | undefined }): Promise<number> {
  const logger = cliLogger('info');
  const concurrency = parseCount(options.concurrency, '--concurrency') ?? 5;
  const port = parseCount(options.port, '--port');
  const scheduler = await openScheduler(options.store, { logger, concurrency });
  defineExamples(scheduler);
  narrate(scheduler, logger);

  await scheduler.start();
  await scheduleExamples(scheduler);
  const server = await dashboard(scheduler, port, options.host ?? '127.0.0.1', logger);
  logger.info(`demo running on ${redact(options.store)}; dashboard at ${server.url}; press Ctrl-C to stop`);

  const signal = await untilSignal(logger);
  logger.info(`${signal}: stopping gracefully (running jobs get up to 10 s)`);
  await server.close();
  await scheduler.stop({ graceful: true, timeoutMs: 10_000 });
  logger.info('stopped; every job is still in the store for next time');
  return 0;
}

/** The dashboard on the port asked for, else on 3000, else (3000 taken) on any free port. */
async function dashboard(s: Scheduler, port: number | undefined, host: string, logger: ReturnType<typeof cliLogger>): Promise<RunningServer> {
  try {
    return await serve(s, { port: port ?? 3000, host });
  } catch (error) {
    if (port !== undefined || (error as { code?: string }).code !== 'EADDRINUSE') throw error;
    logger.info('port 3000 is taken; the dashboard takes another free port');
    return serve(s, { port: 0, host });
  }
}

function defineExamples(s: Scheduler): void {
  // Seed 000: a simple recurring job.
  s.define('heartbeat', async (_job, ctx) => {
    ctx.logger.info('still alive');
  });

  // Seed 000: a job with retries. It fails twice, then succeeds, backing off exponentially.
  const failures = new Map<string, number>();
  s.define(
    'send email',
    async (job, ctx) => {
      const seen = (failures.get(job.id) ?? 0) + 1;
      failures.set(job.id, seen);
      if (seen < 3) throw new Error(`SMTP server busy (attempt ${ctx.attempt})`);
      const { to, subject } = job.data as { to: string; subject: string };
      return { delivered: to, subject };
    },
    { priority: 'high', attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
  );

  // Seed 000: a job that spawns other jobs through ctx.scheduler.
  s.define('process upload', async (job, ctx) => {
    const { fileId } = job.data as { fileId: string };
    for (const size of ['small', 'large']) {
      await ctx.progress({ thumbnails: size });
      await ctx.scheduler.now('generate thumbnail', { fileId, size });
    }
    return { fileId, thumbnails: 2 };
  });
  s.define('generate thumbnail', async (job) => {
    await new Promise((r) => setTimeout(r, 200));
    return job.data;
  }, { concurrency: 1 });

  // Seeds 001 and 004: crons with a time zone.
  s.define('sync data', async (_job, ctx) => {
    ctx.logger.info('syncing (every 15 seconds, New York time)');
  });
  s.define('daily report', async () => ({ report: 'generated' }));

  s.define('cleanup-logs', async () => ({ deleted: Math.floor(Math.random() * 10) }));
}

async function scheduleExamples(s: Scheduler): Promise<void> {
  await s.every('10 seconds', 'heartbeat');
  await s.every('*/15 * * * * *', 'sync data', null, { timezone: 'America/New_York' });
  await s.every('0 9 * * *', 'daily report', { type: 'report' }, { timezone: 'Asia/Kolkata' });
  await s.schedule({ name: 'cleanup-logs', data: {}, repeat: { every: '30s' }, key: 'cleanup-logs' });
  await s.now('send email', { to: 'user@example.com', subject: 'Welcome!', body: 'Thanks for signing up' });
  await s.now('process upload', { fileId: 'abc123' });
  await s.schedule('in 20 seconds', 'send email', { to: 'later@example.com', subject: 'Reminder' });
  // Deduplicated: scheduling the same key twice keeps one job.
  await s.schedule({ name: 'send email', data: { to: 'once@example.com', subject: 'Once' }, dedupeKey: 'email:once', delay: '5s' });
  await s.schedule({ name: 'send email', data: { to: 'once@example.com', subject: 'Once' }, dedupeKey: 'email:once', delay: '5s' });
}

function narrate(s: Scheduler, logger: ReturnType<typeof cliLogger>): void {
  const label = (job: Job) => `${job.name} #${job.id}`;
  s.on('job:start', (job) => logger.info(`▶ ${label(job)} attempt ${job.attempts}/${job.maxAttempts}`));
  s.on('job:success', (job) =>
    logger.info(`✓ ${label(job)}${job.result !== null ? ` → ${JSON.stringify(job.result)}` : ''}${job.nextRunAt && job.repeat ? `; next at ${job.nextRunAt.toISOString()}` : ''}`),
  );
  s.on('job:retry', (job) => logger.warn(`↻ ${label(job)} will retry at ${job.nextRunAt?.toISOString()}`));
  s.on('job:complete', (job) => {
    if (job.status === 'failed') logger.warn(`✗ ${label(job)} failed for good: ${job.lastError}`);
  });
  s.on('scheduler:error', (error) => logger.error(`scheduler error: ${error.message}`));
}
