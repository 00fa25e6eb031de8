/**
 * Every way a request can be wrong, and what the API answers: status and `error.code` (and the field named),
 * on a real server with a real SQLite file. Nothing may crash the server or leave a request hanging.
 */
import { Agent, request } from 'node:http';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Scheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/stores/sqlite/index.js';
import type { CreatedStore } from '../conformance/factory.js';
import { waitUntil } from '../conformance/helpers.js';
import { sqliteFileFactory } from '../stores/sqlite.factory.js';
import type { HttpJob } from '../../src/http/index.js';
import { bodyOf, startApi, type Api, type ErrorBody, type JobPage } from './helpers.js';

function define(s: Scheduler): void {
  s.define('report', async () => ({ ok: true }));
  s.define('slow', async (_job, ctx) => {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve(null)));
    });
  });
}

describe('HTTP API errors', () => {
  let created: CreatedStore;
  let api: Api;
  let jobId: string;

  beforeAll(async () => {
    created = await sqliteFileFactory.create();
    api = await startApi(created.store, { define });
    jobId = (await api.call('POST', 'jobs', { name: 'report', runAt: 'in 1 hour' })).body.id;
  });
  afterAll(async () => {
    await api?.close();
    await created?.cleanup();
  });

  const expectError = (res: { status: number; body: any }, status: number, code: string, field?: string) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(typeof res.body.error.message).toBe('string');
    if (field !== undefined) {
      expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toContain(field);
    }
  };

  describe('request bodies', () => {
    it('malformed JSON → 400 INVALID_JSON', async () => {
      expectError(await api.raw('POST', 'jobs', '{"name": "report",', { 'content-type': 'application/json' }), 400, 'INVALID_JSON', 'body');
    });

    it('a body that is not JSON by its content type → 400 INVALID_CONTENT_TYPE', async () => {
      expectError(await api.raw('POST', 'jobs', '{"name":"report"}', { 'content-type': 'text/plain' }), 400, 'INVALID_CONTENT_TYPE', 'content-type');
      expectError(await api.raw('POST', 'jobs', 'name=report', { 'content-type': 'application/x-www-form-urlencoded' }), 400, 'INVALID_CONTENT_TYPE');
      // application/json with a charset, and +json types, are JSON.
      const ok = await api.raw('POST', 'jobs', '{"name":"report","runAt":"in 1 hour"}', { 'content-type': 'application/json; charset=utf-8' });
      expect(ok.status).toBe(201);
    });

    it('no body, or a body that is not an object → 400 INVALID_BODY', async () => {
      expectError(await api.call('POST', 'jobs'), 400, 'INVALID_BODY', 'body');
      expectError(await api.call('POST', 'jobs', [{ name: 'report' }]), 400, 'INVALID_BODY', 'body');
      expectError(await api.call('POST', 'jobs', 'report'), 400, 'INVALID_BODY', 'body');
      expectError(await api.call('PUT', `jobs/${jobId}`, null), 400, 'INVALID_BODY', 'body');
    });

    it('unknown fields (typos) → 400 UNKNOWN_FIELD naming the field', async () => {
      const res = await api.call('POST', 'jobs', { name: 'report', maxAtempts: 3 });
      expectError(res, 400, 'UNKNOWN_FIELD', 'maxAtempts');
      expect(res.body.error.value).toBe(3);
      expectError(await api.call('PUT', `jobs/${jobId}`, { shedule: '5m' }), 400, 'UNKNOWN_FIELD', 'shedule');
      expectError(await api.call('POST', 'jobs/runner/stop', { timeout: 5 }), 400, 'UNKNOWN_FIELD', 'timeout');
    });

    it('wrong types → 400 naming the field and the value', async () => {
      const res = await api.call('POST', 'jobs', { name: 42 });
      expectError(res, 400, 'INVALID_ARGUMENT', 'name');
      expect(res.body.error.value).toBe(42);
      expectError(await api.call('POST', 'jobs', { name: 'report', maxAttempts: '3' }), 400, 'INVALID_ARGUMENT', 'maxAttempts');
      expectError(await api.call('POST', 'jobs', { name: 'report', handler: ['report'] }), 400, 'INVALID_ARGUMENT', 'handler');
      expectError(await api.call('POST', 'jobs', { name: 'report', priority: 'urgent' }), 400, 'INVALID_PRIORITY', 'priority');
      expectError(await api.call('POST', 'jobs', { name: 'report', dedupeKey: 7 }), 400, 'INVALID_ARGUMENT', 'dedupeKey');
      expectError(await api.call('POST', 'jobs', { name: 'report', schedule: true }), 400, 'INVALID_SCHEDULE', 'schedule');
      expectError(await api.call('PUT', `jobs/${jobId}`, { priority: 1.5 }), 400, 'INVALID_PRIORITY', 'priority');
    });

    it('negative or zero attempts → 400', async () => {
      expectError(await api.call('POST', 'jobs', { name: 'report', maxAttempts: -1 }), 400, 'INVALID_ARGUMENT', 'maxAttempts');
      expectError(await api.call('POST', 'jobs', { name: 'report', maxAttempts: 0 }), 400, 'INVALID_ARGUMENT', 'maxAttempts');
      expectError(await api.call('PUT', `jobs/${jobId}`, { maxAttempts: -3 }), 400, 'INVALID_ARGUMENT', 'maxAttempts');
    });

    it('invalid cron → 400 INVALID_CRON; text that is neither cron nor interval → 400 INVALID_SCHEDULE', async () => {
      const res = await api.call('POST', 'jobs', { name: 'report', schedule: '61 * * * *' });
      expectError(res, 400, 'INVALID_CRON', 'schedule');
      expect(res.body.error.value).toBe('61 * * * *');
      expectError(await api.call('PUT', `jobs/${jobId}`, { schedule: '* * * * * * *' }), 400, 'INVALID_CRON', 'schedule');
      expectError(await api.call('POST', 'jobs', { name: 'report', schedule: 'every tuesday' }), 400, 'INVALID_SCHEDULE', 'schedule');
      expectError(await api.call('POST', 'jobs', { name: 'report', schedule: '0s' }), 400, 'INVALID_SCHEDULE', 'schedule');
    });

    it('unknown time zone → 400 INVALID_TIMEZONE', async () => {
      expectError(await api.call('POST', 'jobs', { name: 'report', schedule: '0 9 * * *', timezone: 'Mars/Olympus' }), 400, 'INVALID_TIMEZONE', 'timezone');
      expectError(await api.call('PUT', `jobs/${jobId}`, { schedule: '0 9 * * *', timezone: 'Nowhere' }), 400, 'INVALID_TIMEZONE', 'timezone');
      // A time zone alone has nothing to apply to.
      expectError(await api.call('PUT', `jobs/${jobId}`, { timezone: 'Europe/Paris' }), 400, 'INVALID_ARGUMENT', 'timezone');
      const ok = await api.call('POST', 'jobs', { name: 'Paris report', handler: 'report', schedule: '0 9 * * *', timezone: 'Europe/Paris' });
      expect(ok.status).toBe(201);
      expect(ok.body.repeat).toEqual({ cron: '0 9 * * *', timezone: 'Europe/Paris' });
    });

    it('an unreadable runAt → 400 INVALID_TIME', async () => {
      expectError(await api.call('POST', 'jobs', { name: 'report', runAt: 'when pigs fly' }), 400, 'INVALID_TIME', 'runAt');
      expectError(await api.call('POST', 'jobs', { name: 'report', runAt: -5 }), 400, 'INVALID_TIME', 'runAt');
    });

    it('a handler nobody defined → 400 UNKNOWN_JOB_NAME; the same name with a fallback handler is accepted', async () => {
      const res = await api.call('POST', 'jobs', { name: 'Nightly', handler: 'noSuchHandler' });
      expectError(res, 400, 'UNKNOWN_JOB_NAME', 'handler');
      expect(res.body.error.value).toBe('noSuchHandler');
      expect(res.body.error.message).toContain('noSuchHandler');
      expectError(await api.call('POST', 'jobs', { name: 'noSuchHandler', schedule: '5m' }), 400, 'UNKNOWN_JOB_NAME', 'name');

      const other = await sqliteFileFactory.create();
      const withFallback = await startApi(other.store, { scheduler: { handler: async () => 'ran' }, start: false });
      try {
        const ok = await withFallback.call('POST', 'jobs', { name: 'anything at all' });
        expect(ok.status).toBe(201);
        expect(ok.body.handler).toBe('anything at all');
      } finally {
        await withFallback.close();
        await other.cleanup();
      }
    });

    it('a body over the limit → 413, whether announced by content-length or streamed', async () => {
      const big = JSON.stringify({ name: 'report', data: 'x'.repeat(1024 * 1024 + 10) });
      expectError(await api.raw('POST', 'jobs', big, { 'content-type': 'application/json' }), 413, 'PAYLOAD_TOO_LARGE');
      // Chunked, no content-length: counted as it arrives.
      const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent++ < 40) controller.enqueue(chunk);
          else controller.close();
        },
      });
      const res = await fetch(new URL('jobs', api.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      expect((await bodyOf<ErrorBody>(res)).error.code).toBe('PAYLOAD_TOO_LARGE');
      // The server is still fine.
      expect((await api.call('GET', 'health')).status).toBe(200);
    });

    it('a PUT on a running job → 409 JOB_STATE', async () => {
      const slow = (await api.call('POST', 'jobs', { name: 'slow' })).body;
      await waitUntil(async () => (await api.call('GET', `jobs/${slow.id}`)).body.status === 'running', 5_000, 'the slow job to start');
      expectError(await api.call('PUT', `jobs/${slow.id}`, { data: { x: 1 } }), 409, 'JOB_STATE');
      expect((await api.call('POST', `jobs/${slow.id}/cancel`)).body.status).toBe('cancelled');
    });
  });

  describe('ids, routes and methods', () => {
    it('unknown and malformed ids → 404 JOB_NOT_FOUND on every job route, never a 500', async () => {
      const ids = ['424242', 'abc', '-1', '1.5', '0x10', '99999999999999999999999999', '%E0%A4%A', '%00', 'a'.repeat(2000), '%2Fetc%2Fpasswd'];
      for (const id of ids) {
        for (const [method, path, body] of [
          ['GET', `jobs/${id}`],
          ['PUT', `jobs/${id}`, { data: 1 }],
          ['DELETE', `jobs/${id}`],
          ['POST', `jobs/${id}/trigger`],
          ['POST', `jobs/${id}/cancel`],
          ['GET', `jobs/${id}/history`],
        ] as const) {
          const res = await api.call(method, path, body);
          expect({ id: id.slice(0, 20), method, path: path.slice(0, 30), status: res.status, code: res.body?.error?.code }).toEqual({
            id: id.slice(0, 20),
            method,
            path: path.slice(0, 30),
            status: 404,
            code: 'JOB_NOT_FOUND',
          });
        }
      }
    });

    it('unknown route → 404 NOT_FOUND', async () => {
      expectError(await api.call('GET', 'nope'), 404, 'NOT_FOUND');
      expectError(await api.call('GET', 'jobs/1/nope'), 404, 'NOT_FOUND');
      expectError(await api.call('POST', 'jobs/runner/pause'), 404, 'NOT_FOUND');
    });

    it('wrong method → 405 METHOD_NOT_ALLOWED with Allow', async () => {
      const res = await api.call('PATCH', `jobs/${jobId}`, { data: 1 });
      expectError(res, 405, 'METHOD_NOT_ALLOWED');
      expect(res.headers.get('allow')).toBe('GET, PUT, DELETE, HEAD');
      expectError(await api.call('DELETE', 'jobs'), 405, 'METHOD_NOT_ALLOWED');
      expectError(await api.call('POST', 'health'), 405, 'METHOD_NOT_ALLOWED');
      expectError(await api.call('GET', `jobs/${jobId}/trigger`), 405, 'METHOD_NOT_ALLOWED');
      expectError(await api.call('GET', 'jobs/runner/start'), 405, 'METHOD_NOT_ALLOWED');
      expectError(await api.call('DELETE', ''), 405, 'METHOD_NOT_ALLOWED');
    });

    it('bad list queries → 400 naming the parameter', async () => {
      expectError(await api.call('GET', 'jobs?status=done'), 400, 'INVALID_ARGUMENT', 'status');
      expectError(await api.call('GET', 'jobs?status=pending,nope'), 400, 'INVALID_ARGUMENT', 'status');
      expectError(await api.call('GET', 'jobs?limit=0'), 400, 'INVALID_ARGUMENT', 'limit');
      expectError(await api.call('GET', 'jobs?limit=ten'), 400, 'INVALID_ARGUMENT', 'limit');
      expectError(await api.call('GET', 'jobs?limit=5000'), 400, 'INVALID_ARGUMENT', 'limit');
      expectError(await api.call('GET', 'jobs?offset=-1'), 400, 'INVALID_ARGUMENT', 'offset');
      expectError(await api.call('GET', 'jobs?offset=2147483648'), 400, 'INVALID_ARGUMENT', 'offset');
      expect((await api.call('GET', 'jobs?offset=2147483647')).status).toBe(200);
      expectError(await api.call('GET', 'jobs?stat=pending'), 400, 'UNKNOWN_FIELD', 'stat');
      const both = await api.call('GET', 'jobs?status=pending&status=running');
      expect(both.status).toBe(200);
    });

    it('HEAD is served like GET, without a body', async () => {
      const res = await api.raw('HEAD', 'health', undefined, {});
      expect(res.status).toBe(200);
      expect(res.text).toBe('');
    });
  });

  describe('store failures', () => {
    it('a store that is locked by another connection → 503 STORE_ERROR, and the API recovers', async () => {
      const dir = await sqliteFileFactory.create();
      const path = dir.url.slice('sqlite:'.length);
      const locked = await startApi(new SqliteStore({ path, busyTimeoutMs: 50 }), { define, start: false });
      const other = new Database(path);
      try {
        expect((await locked.call('GET', 'health')).status).toBe(200); // opens and migrates the store
        other.exec('BEGIN EXCLUSIVE');
        expectError(await locked.call('POST', 'jobs', { name: 'report' }), 503, 'STORE_ERROR');
        other.exec('COMMIT');
        expect((await locked.call('POST', 'jobs', { name: 'report' })).status).toBe(201);
      } finally {
        other.close();
        await locked.close();
        await dir.cleanup();
      }
    });

    it('a closed store → 503 STORE_ERROR on the API, 503 and healthy:false on /health, store_up 0 on /metrics', async () => {
      const dir = await sqliteFileFactory.create();
      const broken = await startApi(dir.store, { define, start: false });
      try {
        await broken.call('GET', 'health');
        await (await broken.scheduler.getStore()).close();
        expectError(await broken.call('GET', 'jobs'), 503, 'STORE_ERROR');
        expectError(await broken.call('POST', 'jobs', { name: 'report' }), 503, 'STORE_ERROR');
        const health = await broken.call('GET', 'health');
        expect(health.status).toBe(503);
        expect(health.body.healthy).toBe(false);
        const metrics = await broken.call('GET', 'metrics');
        expect(metrics.status).toBe(200);
        expect(metrics.text).toMatch(/^hourglass_store_up 0$/m);
      } finally {
        await broken.close().catch(() => undefined);
        await dir.cleanup();
      }
    });
  });
});

describe('HTTP API auth', () => {
  let created: CreatedStore;
  let api: Api;
  const token = 's3cret-t0ken';

  beforeAll(async () => {
    created = await sqliteFileFactory.create();
    api = await startApi(created.store, { define, http: { token }, start: false });
  });
  afterAll(async () => {
    await api?.close();
    await created?.cleanup();
  });

  it('every API route without the bearer token → 401 UNAUTHORIZED with WWW-Authenticate', async () => {
    for (const [method, path] of [
      ['GET', 'jobs'],
      ['POST', 'jobs'],
      ['GET', 'jobs/1'],
      ['GET', 'health'],
      ['GET', 'metrics'],
      ['POST', 'jobs/runner/stop'],
      ['GET', 'no/such/route'],
    ]) {
      const res = await api.call(method!, path!);
      expect([method, path, res.status, res.body.error?.code]).toEqual([method, path, 401, 'UNAUTHORIZED']);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
  });

  it('a wrong token or scheme → 401; the right one passes', async () => {
    expect((await api.call('GET', 'jobs', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await api.call('GET', 'jobs', undefined, { authorization: `Bearer ${token}x` })).status).toBe(401);
    expect((await api.call('GET', 'jobs', undefined, { authorization: `Basic ${token}` })).status).toBe(401);
    expect((await api.call('GET', 'jobs', undefined, { authorization: token })).status).toBe(401);
    expect((await api.call('GET', 'jobs', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await api.call('GET', 'jobs', undefined, { authorization: `bearer ${token}` })).status).toBe(200);
    const created = await api.call('POST', 'jobs', { name: 'report', runAt: 'in 1 hour' }, { authorization: `Bearer ${token}` });
    expect(created.status).toBe(201);
  });

  it('the dashboard page is served without the token', async () => {
    const res = await api.raw('GET', '', undefined, {});
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.text).toMatch(/<html/i);
  });
});

describe('createHttpHandler inside an existing server', () => {
  let created: CreatedStore;
  let scheduler: Scheduler;
  let url: string;
  let close: () => Promise<void>;
  let passedOn: string[];

  beforeAll(async () => {
    const { createServer } = await import('node:http');
    const { createHttpHandler } = await import('../../src/http/index.js');
    const { Scheduler } = await import('../../src/core/scheduler.js');
    const { silentLogger } = await import('../../src/core/logger.js');
    created = await sqliteFileFactory.create();
    scheduler = new Scheduler({ store: created.store, logger: silentLogger });
    define(scheduler);
    const plain = createHttpHandler(scheduler, { basePath: '/admin/hourglass/' });
    const withNext = createHttpHandler(scheduler, { basePath: '/mounted' });
    passedOn = [];
    // The app's own routes beside the API: /app answered by the app, /mounted/* by the second handler with next().
    const server = createServer((req, res) => {
      if (req.url === '/app') return res.end('app');
      if (req.url!.startsWith('/admin')) return plain(req, res);
      withNext(req, res, () => {
        passedOn.push(req.url!);
        res.end('next');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    close = async () => {
      plain.dispose();
      withNext.dispose();
      await new Promise((r) => server.close(r));
      await scheduler.stop();
    };
  });
  afterAll(async () => {
    await close?.();
    await created?.cleanup();
  });

  it('answers under basePath, 404s outside it, and redirects the base to its trailing slash', async () => {
    expect((await fetch(`${url}/app`)).status).toBe(200);
    const outside = await fetch(`${url}/admin/other/jobs`);
    expect(outside.status).toBe(404);
    expect((await bodyOf<ErrorBody>(outside)).error.code).toBe('NOT_FOUND');
    const base = await fetch(`${url}/admin/hourglass?x=1`, { redirect: 'manual' });
    expect(base.status).toBe(308);
    expect(base.headers.get('location')).toBe('/admin/hourglass/?x=1');
    const page = await fetch(`${url}/admin/hourglass/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const job = await fetch(`${url}/admin/hourglass/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'report', runAt: 'in 1 hour' }) });
    expect(job.status).toBe(201);
    const list = await bodyOf<JobPage>(await fetch(`${url}/admin/hourglass/jobs`));
    expect(list.data.map((j) => j.handler)).toEqual(['report']);
  });

  it('with next (express, connect), hands requests outside basePath to it', async () => {
    expect(await (await fetch(`${url}/elsewhere`)).text()).toBe('next');
    expect(passedOn).toEqual(['/elsewhere']);
    expect((await fetch(`${url}/mounted/health`)).status).toBe(200);
  });

  it('uses a body a body parser already read (express.json() style)', async () => {
    const { createServer } = await import('node:http');
    const { createHttpHandler } = await import('../../src/http/index.js');
    const handler = createHttpHandler(scheduler);
    // Like express.json(): consume the stream, then leave the parsed value on req.body.
    const server = createServer(async (req, res) => {
      let text = '';
      for await (const chunk of req) text += chunk;
      (req as typeof req & { body?: unknown }).body = text ? JSON.parse(text) : {};
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      const res = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'report', data: { parsed: true }, runAt: 'in 1 hour' }) });
      expect(res.status).toBe(201);
      expect((await bodyOf<HttpJob>(res)).data).toEqual({ parsed: true });
      const typo = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'report', maxAtempts: 1 }) });
      expect((await bodyOf<ErrorBody>(typo)).error.code).toBe('UNKNOWN_FIELD');
    } finally {
      handler.dispose();
      await new Promise((r) => server.close(r));
    }
  });

  it('refuses bad options', async () => {
    const { createHttpHandler } = await import('../../src/http/index.js');
    expect(() => createHttpHandler(scheduler, { basePath: 'no-slash' })).toThrow(/options.basePath/);
    expect(() => createHttpHandler(scheduler, { token: '' })).toThrow(/options.token/);
    expect(() => createHttpHandler(scheduler, { basPath: '/x' } as never)).toThrow(/options.basPath/);
    expect(() => createHttpHandler({} as never)).toThrow(/scheduler/);
  });
});

describe('serve()', () => {
  it('binds port 0 to a free port, reports the url, and close() ends open keep-alive connections', async () => {
    const created = await sqliteFileFactory.create();
    const api = await startApi(created.store, { define, start: false, http: { basePath: '/hg' } });
    try {
      expect(api.server.port).toBeGreaterThan(0);
      expect(api.server.url).toBe(`http://127.0.0.1:${api.server.port}/hg/`);
      // A keep-alive connection left open must not hold close() up.
      await new Promise<void>((resolve, reject) => {
        const req = request(`${api.server.url}health`, { agent: new Agent({ keepAlive: true }) }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end();
      });
      const started = Date.now();
      await api.server.close();
      expect(Date.now() - started).toBeLessThan(2_000);
      await expect(fetch(`${api.server.url}health`)).rejects.toThrow();
    } finally {
      await api.close();
      await created.cleanup();
    }
  });

  it('a port in use → rejects instead of hanging', async () => {
    const created = await sqliteFileFactory.create();
    const api = await startApi(created.store, { define, start: false });
    try {
      const { serve } = await import('../../src/http/index.js');
      await expect(serve(api.scheduler, { port: api.server.port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await api.close();
      await created.cleanup();
    }
  });
});
