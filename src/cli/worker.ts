/**
 * hourglass worker --store URL --jobs DIR: load every module in DIR (.js, .mjs) and run their jobs.
 * A module registers its jobs like seed 004's registerXJobs: `export default function (scheduler) { ... }`
 * (or a named export `register`). It may be async (to call every() at boot, say).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Scheduler } from '../core/scheduler.js';
import { cliLogger, openScheduler, parseCount, untilSignal } from './shared.js';

export async function workerCommand(options: { store: string; jobs: string | undefined; concurrency: string | undefined }): Promise<number> {
  if (!options.jobs) throw new ValidationError('--jobs', options.jobs, 'give the folder of job modules');
  const files = jobModuleFiles(options.jobs);
  const logger = cliLogger('info');
  const concurrency = parseCount(options.concurrency, '--concurrency');
  const scheduler = await openScheduler(options.store, { logger, ...(concurrency !== undefined ? { concurrency } : {}) });
  await loadJobModules(scheduler, options.jobs, files, logger);
  await scheduler.start();
  logger.info('worker started', { store: redact(options.store), workerId: scheduler.workerId });
  const signal = await untilSignal(logger);
  logger.info(`${signal}: stopping (waiting up to 30 s for running jobs)`);
  await scheduler.stop({ graceful: true, timeoutMs: 30_000 });
  logger.info('stopped');
  return 0;
}

/** The .js and .mjs modules in a --jobs folder, sorted; checked before anything is opened. */
export function jobModuleFiles(jobs: string): string[] {
  const dir = resolve(jobs);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.(m?js)$/.test(f) && statSync(join(dir, f)).isFile()).sort();
  } catch {
    throw new ValidationError('--jobs', jobs, 'is not a readable folder');
  }
  if (files.length === 0) throw new ValidationError('--jobs', jobs, 'has no .js or .mjs job modules');
  return files;
}

/** Import each module and let it register its jobs on the scheduler (shared by `worker` and `serve`). */
export async function loadJobModules(scheduler: Scheduler, jobs: string, files: string[], logger: Logger): Promise<void> {
  const dir = resolve(jobs);
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default?: unknown; register?: unknown };
    const register = (typeof mod.default === 'function' ? mod.default : mod.register) as ((s: Scheduler) => unknown) | undefined;
    if (typeof register !== 'function') throw new ValidationError(file, mod.default, 'must export a default function (scheduler) => void that defines its jobs');
    await register(scheduler);
    logger.info(`loaded ${file}`);
  }
}

/** Never print a password from a store URL. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
