/**
 * hourglass worker --store URL --jobs DIR: load every module in DIR (.js, .mjs) and run their jobs.
 * A module registers its jobs like seed 004's registerXJobs: `export default function (scheduler) { ... }`
 * (or a named export `register`). It may be async (to call every() at boot, say).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { HourglassError, ValidationError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Scheduler } from '../core/scheduler.js';
import { cliLogger, openScheduler, parseCount, untilSignal } from './shared.js';
import { masked } from '../core/store-url.js';

export async function workerCommand(options: { store: string; jobs: string | undefined; concurrency: string | undefined }): Promise<number> {
  if (!options.jobs) throw new ValidationError('--jobs', options.jobs, 'give the folder of job modules');
  const files = jobModuleFiles(options.jobs);
  const logger = cliLogger('info');
  const concurrency = parseCount(options.concurrency, '--concurrency');
  const scheduler = await openScheduler(options.store, { logger, ...(concurrency !== undefined ? { concurrency } : {}) });
  await loadJobModules(scheduler, options.jobs, files, logger);
  await scheduler.start();
  logger.info('worker started', { store: masked(options.store), workerId: scheduler.workerId });
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
    const path = join(dir, file);
    let mod: { default?: unknown; register?: unknown };
    try {
      mod = (await import(pathToFileURL(path).href)) as typeof mod;
    } catch (error) {
      throw new HourglassError('INVALID_ARGUMENT', `--jobs: cannot load ${path}: ${describeError(error)} at ${where(path, error)}`, { cause: error });
    }
    const register = (typeof mod.default === 'function' ? mod.default : mod.register) as ((s: Scheduler) => unknown) | undefined;
    if (typeof register !== 'function') throw new ValidationError(path, mod.default, 'must export a default function (scheduler) => void that defines its jobs');
    try {
      await register(scheduler);
    } catch (error) {
      if (error instanceof HourglassError) throw new HourglassError(error.code, `${path}: ${error.message}`, { cause: error });
      throw new HourglassError('INVALID_ARGUMENT', `--jobs: ${where(path, error)} failed while registering its jobs: ${describeError(error)}`, { cause: error });
    }
    logger.info(`loaded ${file}`);
  }
}

/**
 * The file and line an import or registration failed at. For a SyntaxError node keeps the position out of the
 * error object (it prints it only for an uncaught error), so the import is repeated in a child node, where it
 * fails the same way before running any code, and the position is read from what that prints: the file (maybe
 * a module this one imports), the line and its code. Other errors name their first stack frame inside the file.
 */
function where(path: string, error: unknown): string {
  const url = pathToFileURL(path).href;
  if (error instanceof SyntaxError) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`], { encoding: 'utf8', timeout: 10_000 });
    const [first, code] = (child.stderr ?? '').split('\n');
    const position = /^(file:\/\/\S+?):(\d+)$/.exec(first ?? '');
    if (position) return `${fileURLToPath(position[1]!)}:${position[2]}${code?.trim() ? ` (\`${code.trim()}\`)` : ''}`;
    return path;
  }
  for (const line of String((error as Error | null)?.stack ?? '').split('\n')) {
    const at = line.indexOf(url);
    if (at === -1) continue;
    const position = /^:(\d+)(?::(\d+))?/.exec(line.slice(at + url.length));
    if (position) return `${path}:${position[1]}${position[2] ? `:${position[2]}` : ''}`;
  }
  return path;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
