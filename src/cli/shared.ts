/**
 * What the CLI commands share: opening a store from a URL (failing fast and clearly when it cannot be reached),
 * releasing everything a command opened, and stopping on Ctrl-C.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { StoreError, ValidationError } from '../core/errors.js';
import { createLogger, type Logger } from '../core/logger.js';
import { Scheduler } from '../core/scheduler.js';
import type { Store } from '../core/store.js';
import { masked, storeFromUrl } from '../core/store-url.js';

export { UsageError } from './help.js';

/** How long a command waits for a store's server to accept a connection (and answer) before giving up. */
export const CONNECT_TIMEOUT_MS = 5_000;

export function cliLogger(level: 'info' | 'warn' = 'info'): Logger {
  return createLogger({ level, pretty: true });
}

export function parseCount(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) throw new ValidationError(flag, value, 'must be a whole number');
  return n;
}

/** Everything commands opened, released by closeEverything() when the command ends, however it ends. */
const opened: { scheduler?: Scheduler; store: Store }[] = [];

/** A store from its URL, its server known to accept connections; closed when the command ends. */
export async function openStore(url: string): Promise<Store> {
  const store = await storeFromUrl(url);
  opened.push({ store });
  await assertReachable(url);
  return store;
}

/** A scheduler on the store at `url` (opened and migrated on first use, as the library does). */
export async function openScheduler(url: string, options: { logger?: Logger; concurrency?: number } = {}): Promise<Scheduler> {
  const store = await openStore(url);
  const scheduler = new Scheduler({
    store,
    logger: options.logger ?? cliLogger('warn'),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
  });
  opened.push({ scheduler, store });
  return scheduler;
}

/**
 * For commands that only read (jobs list, jobs show): a scheduler on the store at `url` without migrating it
 * first. null when the store has no hourglass schema yet (so nothing to read); an error when the schema is
 * older than this version (run hourglass migrate) or a SQLite file does not exist (a typo should not create it).
 */
export async function openReader(url: string): Promise<Scheduler | null> {
  const path = /^sqlite:(?:\/\/)?(.+)$/.exec(url)?.[1];
  if (path !== undefined && path !== ':memory:' && !existsSync(path)) {
    throw new ValidationError('--store', url, 'no such SQLite file (hourglass migrate --store URL creates it)');
  }
  const store = await openStore(url);
  const status = await withDeadline(store.migrationStatus(), `${masked(url)} did not answer`);
  if (status.applied.length === 0) return null;
  if (status.pending.length > 0) {
    throw new StoreError(
      `the store's schema is ${status.pending.length} migration(s) behind this version of hourglass; run hourglass migrate --store URL first (this command only reads, so it does not migrate)`,
    );
  }
  // Up to date: the scheduler's init() finds nothing to migrate.
  const scheduler = new Scheduler({ store, logger: cliLogger('warn') });
  opened.push({ scheduler, store });
  return scheduler;
}

/** Stop every scheduler and close every store opened by this command (each at most once). */
export async function closeEverything(): Promise<void> {
  const entries = opened.splice(0).reverse();
  const errors: unknown[] = [];
  const attempt = async (work: () => Promise<void>) => {
    try {
      await work();
    } catch (error) {
      errors.push(error);
    }
  };
  for (const { scheduler } of entries) if (scheduler) await attempt(() => scheduler.stop({ graceful: false }));
  // A scheduler closes its store only if it opened (a failed start leaves a driver reconnecting): close each
  // store here too; closing twice is harmless.
  for (const store of new Set(entries.map((e) => e.store))) await attempt(() => store.close());
  if (errors.length > 0) throw errors[0];
}

/**
 * For postgres:// and redis:// URLs with a host name: connect to the server's port, so that a server that is
 * down or unreachable gives one clear message within CONNECT_TIMEOUT_MS, before any driver starts retrying.
 * Socket paths and hosts from the environment (postgres:///db) are left to the driver.
 */
export async function assertReachable(url: string, timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
  const kind = /^postgres(?:ql)?:/.test(url) ? 'postgres' : /^rediss?:/.test(url) ? 'redis' : null;
  if (!kind) return;
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '' || parsed.searchParams.has('host')) return;
  const port = Number(parsed.port || (kind === 'postgres' ? 5432 : 6379));
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port });
    const fail = (reason: string) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new StoreError(`cannot reach ${kind} at ${host}:${port}: ${reason} (is the server running, and is --store right?)`));
    };
    const timer = setTimeout(() => fail(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => fail(error.message));
  });
}

/** `promise`, or a StoreError after CONNECT_TIMEOUT_MS. */
export async function withDeadline<T>(promise: Promise<T>, what: string, ms = CONNECT_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreError(`${what} within ${ms / 1000} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
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
