/** A real scheduler on a real store behind a real server on port 0, and a small fetch client for it. */
import { Scheduler, type SchedulerOptions } from '../../src/core/scheduler.js';
import { silentLogger } from '../../src/core/logger.js';
import type { Store } from '../../src/core/store.js';
import { serve, type HttpJob, type RunningServer, type ServeOptions } from '../../src/http/index.js';

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Api {
  scheduler: Scheduler;
  server: RunningServer;
  url: string;
  /** JSON in (when `body` is given), JSON (or text) out; never throws on a status. */
  call<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  /** Send raw bytes with chosen headers (malformed JSON, wrong content type). */
  raw<T = any>(method: string, path: string, body: string | Uint8Array | undefined, headers: Record<string, string>): Promise<Reply<T>>;
  close(): Promise<void>;
}

/** Every error answer's body (src/http/response.ts, sendError). */
export interface ErrorBody {
  error: { code: string; message: string; field?: string; value?: unknown };
}

/** A page of jobs (GET /jobs). */
export interface JobPage {
  data: HttpJob[];
  total: number | null;
  more: boolean;
}

/** GET /jobs/runner and the runner's start and stop. */
export interface RunnerState {
  running: boolean;
  activeJobs: number;
  workerId: string;
}

/**
 * The JSON body of a plain fetch() answer, typed as the route answers (ErrorBody, JobPage, HttpJob...): the
 * server's word, which the test's assertions then check. For the tests that call fetch() themselves.
 */
export async function bodyOf<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

export async function startApi(
  store: Store,
  options: {
    scheduler?: SchedulerOptions;
    http?: ServeOptions;
    define?: (s: Scheduler) => void;
    start?: boolean;
    /**
     * Retry a 503 for up to 20 s, as a client should. The store fault suites restart the shared Postgres server
     * while other files run; a request that meets the restart gets 503 STORE_ERROR and is tried again.
     */
    retryUnavailable?: boolean;
  } = {},
): Promise<Api> {
  const scheduler = new Scheduler({ store, logger: silentLogger, pollInterval: 50, ...options.scheduler });
  options.define?.(scheduler);
  if (options.start !== false) await scheduler.start();
  const server = await serve(scheduler, { port: 0, ...options.http });
  const once = async (method: string, path: string, body: string | Uint8Array | undefined, headers: Record<string, string>): Promise<Reply> => {
    const res = await fetch(new URL(path, server.url), { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    if (text !== '' && (res.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed, text };
  };
  const raw = async (method: string, path: string, body: string | Uint8Array | undefined, headers: Record<string, string>): Promise<Reply> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const reply = await once(method, path, body, headers);
      if (!options.retryUnavailable || reply.status !== 503 || Date.now() > deadline) return reply;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return {
    scheduler,
    server,
    url: server.url,
    raw,
    call: (method, path, body, headers = {}) =>
      raw(method, path, body === undefined ? undefined : JSON.stringify(body), body === undefined ? headers : { 'content-type': 'application/json', ...headers }),
    async close() {
      await server.close();
      await scheduler.stop({ graceful: false, timeoutMs: 1000 });
    },
  };
}

/** Prometheus text → { 'name{label="v",...}': value } with labels in the order written. */
export function parseMetrics(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(sample[1]!, Number(sample[2]));
  }
  return { samples, types };
}
