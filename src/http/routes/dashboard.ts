/**
 * GET {basePath}/ (the dashboard page) and GET {basePath}/assets/<file> (its scripts, styles and the chart
 * library, uPlot, served from the installed package: no CDN, works offline). Served without the token: a
 * browser navigation cannot send a bearer header, and none of this holds data (the page asks for the token and
 * calls the API with it).
 *
 * Each file is read once and gzipped once. The page names its assets under a version made of their contents
 * (assets/v-<hash>/app.js; the modules import each other relatively, so they stay in that version), so an
 * asset is cached for good and a reload asks for the page alone (a 304 with its ETag); an unversioned or older
 * version's URL still works, revalidated every time. Only the files listed here are served: a path never
 * reaches the file system.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HttpError } from '../errors.js';
import type { Reply } from '../response.js';

export const ASSETS_PREFIX = '/assets/';

const here = (path: string) => fileURLToPath(new URL(`../dashboard/${path}`, import.meta.url));
const uplot = (file: string) => createRequire(import.meta.url).resolve(`uplot/dist/${file}`);

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
/** name under /assets/ → [file, content type] */
const FILES: Record<string, [() => string, string]> = {
  'app.js': [() => here('app.js'), JS],
  'api.js': [() => here('api.js'), JS],
  'ui.js': [() => here('ui.js'), JS],
  'charts.js': [() => here('charts.js'), JS],
  'overview.js': [() => here('overview.js'), JS],
  'jobs.js': [() => here('jobs.js'), JS],
  'create.js': [() => here('create.js'), JS],
  'job.js': [() => here('job.js'), JS],
  'schedules.js': [() => here('schedules.js'), JS],
  'processes.js': [() => here('processes.js'), JS],
  'dashboard.css': [() => here('dashboard.css'), CSS],
  'uplot.js': [() => uplot('uPlot.iife.min.js'), JS],
  'uplot.css': [() => uplot('uPlot.min.css'), CSS],
};

interface Loaded {
  raw: Buffer;
  gzip: Buffer;
  etag: string;
  type: string;
}
const cache = new Map<string, Loaded>();
let version: string | null = null;

/** A hash of every asset: it changes whenever one does (a new hourglass version). */
function assetsVersion(): string {
  if (version === null) {
    const hash = createHash('sha1');
    for (const [name, [file, type]] of Object.entries(FILES)) hash.update(name).update(load(name, file(), type).etag);
    version = `v-${hash.digest('base64url').slice(0, 12)}`;
  }
  return version;
}

function load(name: string, file: string, type: string): Loaded {
  let entry = cache.get(name);
  if (!entry) {
    const raw = readFileSync(file);
    entry = { raw, gzip: gzipSync(raw, { level: 9 }), etag: `"${createHash('sha1').update(raw).digest('base64url').slice(0, 16)}"`, type };
    cache.set(name, entry);
  }
  return entry;
}

const PAGE_HEADERS = {
  // The page calls the API with fetch only; other sites may not frame it, and it runs no script but its own.
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'",
};

export function dashboardPage(req: IncomingMessage): Reply {
  let page = cache.get('index.html');
  if (!page) {
    // The page with its asset URLs versioned.
    const html = readFileSync(here('index.html'), 'utf8').replaceAll('"assets/', `"assets/${assetsVersion()}/`);
    const raw = Buffer.from(html);
    page = { raw, gzip: gzipSync(raw, { level: 9 }), etag: `"${createHash('sha1').update(raw).digest('base64url').slice(0, 16)}"`, type: 'text/html; charset=utf-8' };
    cache.set('index.html', page);
  }
  return reply(req, page, PAGE_HEADERS, false);
}

/** An asset by its path under /assets/: `name` or `v-<version>/name` (404 for anything not listed). */
export function dashboardAsset(req: IncomingMessage, path: string): Reply {
  const slash = path.indexOf('/');
  const [tag, name] = slash === -1 ? [null, path] : [path.slice(0, slash), path.slice(slash + 1)];
  const entry = FILES[name];
  if (!Object.hasOwn(FILES, name) || !entry || (tag !== null && !/^v-[\w-]+$/.test(tag))) throw new HttpError(404, 'NOT_FOUND', `no asset named ${path}`);
  return reply(req, load(name, entry[0](), entry[1]), { 'x-content-type-options': 'nosniff' }, tag === assetsVersion());
}

function reply(req: IncomingMessage, file: Loaded, headers: Record<string, string>, immutable: boolean): Reply {
  // A versioned asset never changes; anything else the browser keeps but asks about each time (a 304 when unchanged).
  const cacheControl = immutable ? 'public, max-age=31536000, immutable' : 'no-cache';
  const common = { ...headers, etag: file.etag, 'cache-control': cacheControl, vary: 'accept-encoding' };
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(',').some((t) => t.trim().replace(/^W\//, '') === file.etag)) return { status: 304, headers: common };
  const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  return { status: 200, body: gzip ? file.gzip : file.raw, contentType: file.type, headers: gzip ? { ...common, 'content-encoding': 'gzip' } : common };
}
