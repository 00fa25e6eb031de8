/**
 * A small router: method + path pattern (`/jobs/:id/trigger`) → route. Knows the difference between a path
 * nobody serves (404) and a path served for other methods (405 with `allow`), which a client needs to tell
 * a typo in the URL from a wrong verb.
 */
import type { IncomingMessage } from 'node:http';
import type { Scheduler } from '../core/scheduler.js';
import { HttpError } from './errors.js';
import type { Reply } from './response.js';

export interface RouteContext {
  req: IncomingMessage;
  scheduler: Scheduler;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The request body as JSON (undefined when empty); read on demand, at most once. */
  body(): Promise<unknown>;
}

export type Route = (ctx: RouteContext) => Promise<Reply>;

interface Entry {
  method: string;
  segments: string[];
  route: Route;
}

export class Router {
  private readonly entries: Entry[] = [];

  /** Earlier registrations win, so register literal paths (`/jobs/runner`) before patterns (`/jobs/:id`). */
  add(method: string, pattern: string, route: Route): this {
    this.entries.push({ method, segments: split(pattern), route });
    return this;
  }

  /** The route for a request, its path parameters, or an HttpError (404, 405). HEAD is served as GET. */
  match(method: string, path: string): { route: Route; params: Record<string, string> } {
    const segments = split(path);
    const want = method === 'HEAD' ? 'GET' : method;
    const allowed = new Set<string>();
    for (const entry of this.entries) {
      const params = bind(entry.segments, segments);
      if (!params) continue;
      if (entry.method === want) return { route: entry.route, params };
      allowed.add(entry.method);
    }
    if (allowed.size === 0) throw new HttpError(404, 'NOT_FOUND', `no route for ${path}`);
    if (allowed.has('GET')) allowed.add('HEAD');
    const allow = [...allowed].join(', ');
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}; use ${allow}`, { headers: { allow } });
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s !== '');
}

function bind(pattern: string[], actual: string[]): Record<string, string> | null {
  if (pattern.length !== actual.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith(':')) params[p.slice(1)] = decode(actual[i]!);
    else if (p !== actual[i]) return null;
  }
  return params;
}

/** A malformed escape (`%E0%A4%A`) stays as written: it then names no job, which is a 404, not a crash. */
function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
