/**
 * createHttpHandler: the whole API as one Node `(req, res)` handler, for `http.createServer` or an existing
 * app. Order of checks per request: inside basePath? → the dashboard page and its assets (no token) → token → route →
 * body → scheduler. Whatever fails is answered as JSON with a status; nothing a client sends can crash or hang it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ValidationError } from '../core/errors.js';
import { assertKnownKeys, assertObject } from '../core/normalise.js';
import type { Scheduler } from '../core/scheduler.js';
import { assertInt } from '../core/validate.js';
import { bearerCheck } from './auth.js';
import { HttpError, notFound, toHttpError } from './errors.js';
import { MetricsCollector } from './metrics.js';
import { parseWaitQuery } from './input.js';
import { DEFAULT_BODY_LIMIT, readJson, splitUrl } from './request.js';
import { send, sendError } from './response.js';
import { Router, type RouteContext } from './router.js';
import { bulkRoutes } from './routes/bulk.js';
import { flowRoutes } from './routes/flows.js';
import { eventRoutes } from './routes/events.js';
import { groupRoutes } from './routes/groups.js';
import { ASSETS_PREFIX, dashboardAsset, dashboardPage } from './routes/dashboard.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes, WAIT_ROUTE } from './routes/jobs.js';
import { metricsRoutes } from './routes/metrics.js';
import { overviewRoutes } from './routes/overview.js';
import { processRoutes } from './routes/processes.js';
import { runnerRoutes, STOP_ROUTE } from './routes/runner.js';
import { scheduleRoutes } from './routes/schedules.js';

export interface HttpHandlerOptions {
  /** When set, every API request needs `Authorization: Bearer <token>` (the dashboard page itself does not). */
  token?: string | null;
  /** Where the API lives, such as '/hourglass'. Default: '' (the root). */
  basePath?: string;
  /** Largest request body accepted, in bytes (larger: 413). Default 1 MiB. */
  bodyLimit?: number;
  /** How long a request may wait on the store before it is answered 503 STORE_ERROR. Default 15 000 ms. */
  timeoutMs?: number;
  /**
   * Whether /metrics includes the store's series (jobs by status and name, the queue size), which every process
   * sharing the store reports alike. Default true; set false in all but one process, or aggregate them with
   * max(). This process's series (runs, retries, histograms) are always there, and sum over processes.
   */
  storeMetrics?: boolean;
}

/**
 * A Node request handler. Requests outside `basePath` are answered 404, unless the handler is called with a
 * third argument `next` (express, connect), which then gets them instead.
 */
export interface HttpHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Stop listening to the scheduler's events (the metrics counters). The handler keeps answering. */
  dispose(): void;
}

const OPTION_KEYS = ['token', 'basePath', 'bodyLimit', 'timeoutMs', 'storeMetrics'];

export function createHttpHandler(scheduler: Scheduler, options: HttpHandlerOptions = {}): HttpHandler {
  if (!scheduler || typeof scheduler !== 'object' || typeof scheduler.getJob !== 'function') {
    throw new ValidationError('scheduler', scheduler, 'must be a Scheduler');
  }
  const o = assertObject(options, 'options') as HttpHandlerOptions;
  assertKnownKeys(o, OPTION_KEYS, 'options');
  const basePath = normaliseBasePath(o.basePath);
  const authorize = o.token === undefined || o.token === null ? null : bearerCheck(assertToken(o.token));
  const bodyLimit = o.bodyLimit === undefined ? DEFAULT_BODY_LIMIT : assertInt(o.bodyLimit, 'options.bodyLimit', 1);
  const timeoutMs = o.timeoutMs === undefined ? 15_000 : assertInt(o.timeoutMs, 'options.timeoutMs', 1);

  if (o.storeMetrics !== undefined && typeof o.storeMetrics !== 'boolean') throw new ValidationError('options.storeMetrics', o.storeMetrics, 'must be true or false');
  const metrics = new MetricsCollector(scheduler, o.storeMetrics !== false);
  const router = new Router();
  runnerRoutes(router); // before jobRoutes: /jobs/runner and /jobs/bulk are literal paths, not job ids
  bulkRoutes(router);
  flowRoutes(router);
  jobRoutes(router);
  overviewRoutes(router);
  scheduleRoutes(router);
  processRoutes(router);
  healthRoutes(router);
  metricsRoutes(router, metrics);
  eventRoutes(router);
  groupRoutes(router);

  async function handle(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<void> {
    const method = req.method ?? 'GET';
    try {
      const { path, query } = splitUrl(req.url);
      const local = within(basePath, path);
      if (local === null) {
        if (next) return next();
        throw notFound(`no route for ${path}: the API is under ${basePath}/`);
      }
      const mountedAt = mountPath(req, basePath, local, path);
      if (mountedAt !== null) {
        // The page uses relative URLs, which only resolve under the base when it is loaded with a trailing slash.
        const search = query.toString();
        return send(res, { status: 308, text: '', contentType: 'text/plain', headers: { location: `${mountedAt}/${search ? `?${search}` : ''}` } });
      }
      if (local === '/' || local === '') {
        if (method !== 'GET' && method !== 'HEAD') {
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on the dashboard page; use GET`, { headers: { allow: 'GET, HEAD' } });
        }
        return send(res, dashboardPage(req));
      }
      if (local.startsWith(ASSETS_PREFIX)) {
        if (method !== 'GET' && method !== 'HEAD') {
          throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${local}; use GET`, { headers: { allow: 'GET, HEAD' } });
        }
        return send(res, dashboardAsset(req, local.slice(ASSETS_PREFIX.length)));
      }
      authorize?.(req);
      const { route, params } = router.match(method, local);
      let body: Promise<unknown> | undefined;
      const ctx: RouteContext = { req, scheduler, params, query, body: () => (body ??= readJson(req, bodyLimit)) };
      // Stopping the runner has its own bound (the stop's timeoutMs); everything else is bounded here, a long poll
      // (GET /jobs/:id/wait) by the time it asked to wait as well.
      const reads = method === 'GET' || method === 'HEAD';
      const bound = route === WAIT_ROUTE ? timeoutMs + parseWaitQuery(query).timeoutMs : timeoutMs;
      const reply = route === STOP_ROUTE ? await route(ctx) : await deadline(route(ctx), bound, reads, (lateMs, error) => {
        // The client was told 503 and may retry: say in the log what became of the first request. A read
        // changed nothing, so its late answer is only worth a debug line.
        const fields = { method, url: req.url, lateMs, err: error ?? undefined };
        if (reads) scheduler.logger.debug(fields, 'a read answered 503 STORE_ERROR (no answer in time) got its answer from the store afterwards');
        else if (error) scheduler.logger.warn(fields, 'a request answered 503 STORE_ERROR (no answer in time) later failed in the store');
        else scheduler.logger.warn(fields, 'a request answered 503 STORE_ERROR (no answer in time) was applied by the store afterwards');
      });
      send(res, reply);
    } catch (error) {
      const { http, internal } = toHttpError(error);
      if (internal) scheduler.logger.error({ err: error, method, url: req.url, status: http.status }, 'HTTP request failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, http);
    }
  }

  const handler = ((req, res, next) => {
    void handle(req, res, next);
  }) as HttpHandler;
  handler.dispose = () => metrics.dispose();
  return handler;
}

/** '' (the root), or '/a/b' without a trailing slash. */
function normaliseBasePath(value: unknown): string {
  if (value === undefined || value === null || value === '' || value === '/') return '';
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    throw new ValidationError('options.basePath', value, "must be a path such as '/hourglass'");
  }
  return value.replace(/\/+$/, '');
}

function assertToken(token: unknown): string {
  if (typeof token !== 'string' || token === '') throw new ValidationError('options.token', token === '' ? '' : '(hidden)', 'must be a non-empty string');
  return token;
}

/** The path relative to basePath ('' for the base itself), or null when the request is not ours. */
function within(basePath: string, path: string): string | null {
  if (basePath === '') return path;
  if (path === basePath) return '';
  return path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : null;
}

/**
 * The URL to redirect the dashboard to when it was asked for without its trailing slash, else null: either our
 * own basePath, or, mounted in express (`app.use('/jobs-ui', handler)`, which strips the mount from req.url),
 * the original URL.
 */
function mountPath(req: IncomingMessage, basePath: string, local: string, path: string): string | null {
  if (local === '' && basePath !== '') return path;
  const original = (req as IncomingMessage & { originalUrl?: unknown }).originalUrl;
  if (local === '/' && typeof original === 'string') {
    const originalPath = splitUrl(original).path;
    if (originalPath !== path && !originalPath.endsWith('/')) return originalPath;
  }
  return null;
}

/**
 * Answer 503 when the store has not answered within `ms`. The store's operation cannot be called back (a
 * statement or script already sent runs to its end), so it may still be applied: `late` learns how it ended, and
 * the error says so, for a client that retries (a create retried with its dedupeKey gets the first job back).
 * A read (`reads`: GET, HEAD) changes nothing, so its error does not say that.
 */
function deadline<T>(promise: Promise<T>, ms: number, reads: boolean, late: (lateMs: number, error: unknown) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const at = Date.now();
        promise.then(
          () => late(Date.now() - at, null),
          (error: unknown) => late(Date.now() - at, error),
        );
        const message = `no answer from the store within ${ms} ms`;
        reject(new HttpError(503, 'STORE_ERROR', reads ? message : `${message}; the request may still be applied (retry a create with a dedupeKey to get the same job back)`));
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
