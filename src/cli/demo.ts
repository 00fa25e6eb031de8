/**
 * hourglass demo: the seeds' examples on the embedded store, logging what runs, with the dashboard on
 * http://127.0.0.1:3000/ (--port; another free port when 3000 is taken and no port was asked for).
 *
 * So that the first look at the dashboard shows the product, the demo also makes traffic: a feed import every
 * 20 s enqueues image resizes and card charges (some fail and retry, a few fail for good), an export runs for a
 * while with progress, a backup is cancelled, a newsletter's name is paused. Two helper worker processes share
 * the store (not with sqlite::memory:), so the Processes view and the charts show several processes.
 *
 * Ctrl-C stops gracefully: the helpers are asked to stop too (a terminal sends them the Ctrl-C as well), and
 * the demo waits for them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../core/logger.js';
import type { Scheduler } from '../core/scheduler.js';
import { serve, type RunningServer } from '../http/serve.js';
import type { Job } from '../core/types.js';
import { cliLogger, closeEverything, openScheduler, parseCount, untilSignal } from './shared.js';
import { masked } from '../core/store-url.js';

const HELPER_FLAG = '--hourglass-demo-helper';
const HELPERS = 2;
/** Names the demo's traffic runs: not narrated line by line (the dashboard shows them). */
const TRAFFIC = new Set(['import feed', 'resize image', 'charge card', 'export report', 'ship orders', 'load order', 'check stock', 'check payment', 'ship order']);

export async function runDemo(options: { store: string; concurrency: string | undefined; port?: string | undefined; host?: string | undefined }): Promise<number> {
  const logger = cliLogger('info');
  const concurrency = parseCount(options.concurrency, '--concurrency') ?? 5;
  const port = parseCount(options.port, '--port');
  // Listening for Ctrl-C from the start: one pressed while the demo is still starting stops it gracefully too,
  // once it is up (before, such a signal ended the process by Node's default).
  const signalled = untilSignal(logger);
  const scheduler = await openScheduler(options.store, { logger, concurrency });
  defineExamples(scheduler);
  defineTraffic(scheduler);
  narrate(scheduler, logger);

  await scheduler.start();
  await scheduleExamples(scheduler);
  await scheduleTraffic(scheduler);
  const server = await dashboard(scheduler, port, options.host ?? '127.0.0.1', logger);
  const helpers = sharable(options.store) ? startHelpers(options.store, logger) : [];
  logger.info(`demo running on ${masked(options.store)}${helpers.length ? ` with ${helpers.length} helper processes` : ''}; dashboard at ${server.url}; press Ctrl-C to stop`);

  const signal = await signalled;
  logger.info(`${signal}: stopping gracefully (running jobs get up to 10 s)`);
  await Promise.all([stopHelpers(helpers), server.close().then(() => scheduler.stop({ graceful: true, timeoutMs: 10_000 }))]);
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
  s.define('nightly backup', async () => ({ backedUp: true }));
  s.define('newsletter', async () => ({ sent: 0 }));
}

/** Wait `ms`, or until the run's signal aborts (cancel, timeout, stop). */
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** The traffic: what the helper processes run too. */
function defineTraffic(s: Scheduler): void {
  s.define(
    'resize image',
    async (job, ctx) => {
      const { file } = job.data as { file: string };
      await sleep(20 + Math.random() * 400, ctx.signal);
      // A corrupt file fails every attempt (failed for good); the others fail now and then, and a retry helps.
      if (file.startsWith('corrupt')) throw new Error(`cannot decode ${file}: unexpected end of data`);
      if (Math.random() < 0.06) throw new Error(`storage timeout while writing ${file}`);
      return { file, sizes: [128, 512, 1024] };
    },
    { attempts: 3, backoff: { type: 'fixed', delay: 2000 } },
  );
  s.define(
    'charge card',
    async (job, ctx) => {
      const { card, amount } = job.data as { card: string; amount: number };
      await sleep(80 + Math.random() * 300, ctx.signal);
      if (card.endsWith('0002')) throw new Error('card declined (do_not_honor)');
      return { charged: amount, currency: 'EUR' };
    },
    { attempts: 2, backoff: { type: 'fixed', delay: 3000 } },
  );
  s.define('export report', async (_job, ctx) => {
    const steps = 15 + Math.floor(Math.random() * 15);
    for (let i = 1; i <= steps; i++) {
      await sleep(1000, ctx.signal);
      await ctx.progress(Math.round((100 * i) / steps));
    }
    return { rows: steps * 1000 };
  }, { timeout: '2m' });
  // Every 20 s: a batch of images (one in ten corrupt) and a few card charges (one in six declined).
  let batch = 0;
  s.define('import feed', async (_job, ctx) => {
    batch++;
    const images = 5 + Math.floor(Math.random() * 8);
    for (let i = 0; i < images; i++) {
      const file = `${Math.random() < 0.1 ? 'corrupt' : 'photo'}-${batch}-${i}.jpg`;
      await ctx.scheduler.now('resize image', { file, feed: 'catalogue' });
    }
    for (let i = 0; i < 1 + Math.floor(Math.random() * 3); i++) {
      const card = Math.random() < 1 / 6 ? '4000 0000 0000 0002' : '4242 4242 4242 4242';
      await ctx.scheduler.now('charge card', { card, amount: Math.round(5 + Math.random() * 95), order: `A-${batch}${i}` });
    }
    return { images };
  });
  // A workflow every 30 s (docs/workflows.md): a diamond, load order → check stock + check payment → ship order.
  // Each step takes a few seconds, so the dashboard shows the last nodes blocked, then completed.
  s.define('ship orders', async (_job, ctx) => {
    const order = `B-${Math.floor(Math.random() * 9000 + 1000)}`;
    ctx.flow(orderFlow(order));
    return { order };
  });
  s.define('load order', async (job, ctx) => {
    await sleep(1500 + Math.random() * 1500, ctx.signal);
    return { order: (job.data as { order: string }).order, lines: 1 + Math.floor(Math.random() * 4) };
  });
  s.define('check stock', async (_job, ctx) => {
    await sleep(2000 + Math.random() * 2000, ctx.signal);
    const { load } = (await ctx.results()) as { load: { lines: number } };
    return { reserved: load.lines };
  });
  s.define('check payment', async (_job, ctx) => {
    await sleep(1000 + Math.random() * 3000, ctx.signal);
    return { authorised: true };
  });
  s.define('ship order', async (_job, ctx) => {
    const { stock, payment } = (await ctx.results()) as { stock: { reserved: number }; payment: { authorised: boolean } };
    await sleep(1000, ctx.signal);
    return { shipped: stock.reserved, paid: payment.authorised };
  });
}

/** The demo's workflow: one order's diamond. */
function orderFlow(order: string) {
  return [
    { key: 'load', name: 'load order', data: { order } },
    { key: 'stock', name: 'check stock', data: { order }, after: ['load'] },
    { key: 'payment', name: 'check payment', data: { order }, after: ['load'] },
    { key: 'ship', name: 'ship order', data: { order }, after: ['stock', 'payment'] },
  ];
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

async function scheduleTraffic(s: Scheduler): Promise<void> {
  await s.every('20 seconds', 'import feed', { source: 'https://example.com/catalogue.xml' });
  await s.every('30 seconds', 'ship orders');
  await s.flow(orderFlow('B-1000'));
  await s.every('*/2 * * * *', 'export report', { format: 'csv' });
  await s.every('0 8 * * 1', 'newsletter', { list: 'customers' }, { timezone: 'Europe/Paris' });
  // A paused name, to show how one looks (resume it on the Schedules view); a cancelled job, once.
  await s.pause('newsletter');
  if ((await s.listJobs({ name: 'nightly backup', status: 'cancelled', limit: 1 })).length === 0) {
    const backup = await s.schedule('tomorrow at 2am', 'nightly backup', { target: 's3://backups' });
    await s.cancel(backup.id);
  }
}

function narrate(s: Scheduler, logger: ReturnType<typeof cliLogger>): void {
  const label = (job: Job) => `${job.name} #${job.id}`;
  const told = (job: Job) => !TRAFFIC.has(job.name);
  s.on('job:start', (job) => told(job) && logger.info(`▶ ${label(job)} attempt ${job.attempts}/${job.maxAttempts}`));
  s.on('job:success', (job) =>
    told(job) &&
    logger.info(`✓ ${label(job)}${job.result !== null ? ` → ${JSON.stringify(job.result)}` : ''}${job.nextRunAt && job.repeat ? `; next at ${job.nextRunAt.toISOString()}` : ''}`),
  );
  s.on('job:retry', (job) => told(job) && logger.warn(`↻ ${label(job)} will retry at ${job.nextRunAt?.toISOString()}`));
  s.on('job:complete', (job) => {
    if (job.status === 'failed') logger.warn(`✗ ${label(job)} failed for good: ${job.lastError}`);
  });
  s.on('scheduler:error', (error) => logger.error(`scheduler error: ${error.message}`));
}

/** Only a store other processes can open too: not sqlite::memory:. */
function sharable(url: string): boolean {
  return !/^sqlite::memory:$/.test(url) && !/^memory:/.test(url);
}

/** Helper worker processes: this module again, run with HELPER_FLAG (see the end of the file). */
function startHelpers(url: string, logger: ReturnType<typeof cliLogger>): ChildProcess[] {
  const helpers: ChildProcess[] = [];
  for (let i = 1; i <= HELPERS; i++) {
    const child = fork(fileURLToPath(import.meta.url), [HELPER_FLAG, url, String(i)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('error', (error) => logger.warn(`helper process ${i} failed: ${error.message}`));
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null) logger.warn(`helper process ${i} exited with code ${code}`);
      else if (signal) logger.warn(`helper process ${i} ended by ${signal}`);
    });
    helpers.push(child);
  }
  return helpers;
}

/** Ask each helper to stop (SIGTERM) and wait for it; one that has not stopped in 15 s is killed. */
async function stopHelpers(helpers: ChildProcess[]): Promise<void> {
  await Promise.all(
    helpers.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }),
  );
}

/** A helper: runs the traffic's names on the shared store until asked to stop (or the demo goes away). */
async function runHelper(url: string, index: string): Promise<void> {
  const logger = createLogger({ level: 'error', pretty: true });
  const scheduler = await openScheduler(url, { logger, concurrency: 3 });
  defineTraffic(scheduler);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await scheduler.stop({ graceful: true, timeoutMs: 10_000 });
    await closeEverything();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop());
  process.on('disconnect', () => void stop());
  await scheduler.start();
  logger.debug(`demo helper ${index} running`);
}

if (process.argv[2] === HELPER_FLAG) {
  runHelper(process.argv[3]!, process.argv[4]!).catch((error: Error) => {
    process.stderr.write(`demo helper failed: ${error.message}\n`);
    process.exit(1);
  });
}
