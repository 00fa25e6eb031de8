/**
 * hourglass serve --store URL --port N [--host H] [--token T] [--concurrency N] [--jobs DIR] [--no-workers]:
 * the HTTP API and dashboard on a store, running the jobs DIR's modules define (as `hourglass worker` does)
 * unless --no-workers. The token may come from $HOURGLASS_TOKEN instead of the command line (where other users
 * of the machine could read it). Ctrl-C or SIGTERM: stop serving, then stop the workers gracefully.
 */
import { ValidationError } from '../core/errors.js';
import { serve } from '../http/serve.js';
import { cliLogger, openScheduler, parseCount, untilSignal } from './shared.js';
import { masked } from '../core/store-url.js';
import { jobModuleFiles, loadJobModules } from './worker.js';

export interface ServeCommandOptions {
  store: string;
  port: string | undefined;
  host: string | undefined;
  token: string | undefined;
  jobs: string | undefined;
  concurrency: string | undefined;
  workers: boolean;
}

export const DEFAULT_PORT = 3000;

export async function serveCommand(options: ServeCommandOptions): Promise<number> {
  const port = parseCount(options.port, '--port') ?? DEFAULT_PORT;
  if (port > 65535) throw new ValidationError('--port', options.port, 'must be at most 65535');
  const host = options.host ?? '127.0.0.1';
  const token = options.token || undefined;
  const files = options.jobs ? jobModuleFiles(options.jobs) : [];
  const logger = cliLogger('info');
  const concurrency = parseCount(options.concurrency, '--concurrency');
  const scheduler = await openScheduler(options.store, { logger, ...(concurrency !== undefined ? { concurrency } : {}) });
  if (options.jobs) await loadJobModules(scheduler, options.jobs, files, logger);

  // Open (and migrate) the store before listening, so a wrong URL fails here and not on the first request.
  if (options.workers) await scheduler.start();
  else await scheduler.getStore();
  const server = await serve(scheduler, { port, host, ...(token ? { token } : {}) });
  logger.info(`serving the API and dashboard at ${server.url}`, {
    store: masked(options.store),
    workers: options.workers ? 'running' : 'off (--no-workers)',
    auth: token ? 'bearer token' : 'none',
  });
  if (!token && !isLoopback(host)) {
    logger.warn(`no --token (or HOURGLASS_TOKEN): anyone who can reach ${host}:${server.port} can create, change and delete jobs`);
  }
  if (files.length === 0) logger.warn('no --jobs folder: no handlers are defined, so POST /jobs refuses every name');

  const signal = await untilSignal(logger);
  logger.info(`${signal}: closing the server, then stopping (waiting up to 30 s for running jobs)`);
  await server.close();
  await scheduler.stop({ graceful: true, timeoutMs: 30_000 });
  logger.info('stopped');
  return 0;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
